package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code datasets}, {@code models} and {@code lineage} on a real workspace. */
class RegistryCommandsTest {
  @TempDir
  Path dir;

  private String ws;
  private Path lines;

  @BeforeEach
  void data() throws IOException {
    ws = dir.resolve("ws").toString();
    lines = Files.writeString(dir.resolve("lines.txt"), "a\nb\nc\n");
  }

  @Test
  void registerPrintsTheNewVersionAndSaysWhenTheContentIsThereAlready() {
    Invocation first = Invocation.of("datasets", "register", "lines", lines.toString(), "--description", "three",
        "--tag", "owner=me", "-w", ws);
    Invocation again = Invocation.of("datasets", "register", "lines", lines.toString(), "--json", "-w", ws);

    assertThat(first.code()).as(first.toString()).isZero();
    assertThat(first.outLines()).singleElement().asString()
        .matches("registered dataset lines:1 \\(1 file, 6 B, sha256:[0-9a-f]{12}\\)");
    assertThat(again.code()).isZero();
    JsonNode json = again.json();
    assertThat(json.get("reference").asText()).isEqualTo("lines:1");
    assertThat(json.get("created").asBoolean()).isFalse();
    assertThat(json.get("tags").get("owner").asText()).isEqualTo("me");
    assertThat(json.get("description").asText()).isEqualTo("three");
  }

  @Test
  void listAndShowPrintTablesAndJson() {
    Invocation.of("datasets", "register", "lines", lines.toString(), "--description", "three", "-w", ws);

    Invocation list = Invocation.of("datasets", "-w", ws);
    Invocation listJson = Invocation.of("datasets", "list", "--json", "-w", ws);
    Invocation show = Invocation.of("datasets", "show", "lines:1", "-w", ws);
    Invocation showJson = Invocation.of("datasets", "show", "lines", "--json", "-w", ws);

    assertThat(list.code()).isZero();
    assertThat(list.outLines()).hasSize(2);
    assertThat(list.outLines().get(0)).matches("NAME +VERSION +FILES +SIZE +REGISTERED +DESCRIPTION");
    assertThat(list.outLines().get(1)).matches("lines +1 +1 +6 B +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +three");
    assertThat(listJson.json().get("datasets")).hasSize(1);
    assertThat(show.outLines().get(0)).matches("dataset lines:1  sha256:[0-9a-f]{64}");
    assertThat(show.outLines()).contains("  description: three", "  source:      " + lines.toAbsolutePath(),
        "  versions:    1", "  files:       1 file, 6 B");
    assertThat(showJson.json().get("files").get(0).get("path").asText()).isEqualTo("lines.txt");
    assertThat(showJson.json().get("versions").toString()).isEqualTo("[1]");
  }

  @Test
  void mistakesAreOneLineUserErrors() {
    Invocation.of("datasets", "register", "lines", lines.toString(), "-w", ws);

    Invocation missing = Invocation.of("datasets", "register", "x", dir.resolve("nope.csv").toString(), "-w", ws);
    Invocation badTag = Invocation.of("datasets", "register", "x", lines.toString(), "--tag", "novalue", "-w", ws);
    Invocation badName = Invocation.of("datasets", "register", "a b", lines.toString(), "-w", ws);
    Invocation noVersion = Invocation.of("datasets", "show", "lines:9", "-w", ws);
    Invocation noModel = Invocation.of("models", "show", "m", "-w", ws);

    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.errLines()).containsExactly("pipewright: no file or folder " + dir.resolve("nope.csv"));
    assertThat(badTag.errLines()).containsExactly("pipewright: invalid --tag 'novalue': give KEY=VALUE");
    assertThat(badName.code()).isEqualTo(2);
    assertThat(badName.errLines()).singleElement().asString().startsWith("pipewright: dataset name must be");
    assertThat(noVersion.code()).isEqualTo(2);
    assertThat(noVersion.errLines()).containsExactly("pipewright: dataset 'lines' has no version 9 (versions: 1)");
    assertThat(noModel.errLines()).containsExactly("pipewright: no model 'm' in workspace "
        + Path.of(ws).toAbsolutePath() + " (no models are registered)");
  }

  @Test
  void listingAMissingWorkspaceIsEmptyAndCreatesNothing() {
    Path missing = dir.resolve("elsewhere");

    Invocation datasets = Invocation.of("datasets", "-w", missing.toString());
    Invocation models = Invocation.of("models", "list", "--json", "-w", missing.toString());

    assertThat(datasets.code()).isZero();
    assertThat(datasets.outLines()).containsExactly("no datasets in workspace " + missing.toAbsolutePath()
        + " (register one: pipewright datasets register NAME PATH)");
    assertThat(models.json().get("models")).isEmpty();
    assertThat(missing).doesNotExist();
  }

  @Test
  void aRunOnADatasetRegistersItsModelWhichCanBeTaggedShownAndTracedBack() throws IOException {
    Invocation.of("datasets", "register", "lines", lines.toString(), "-w", ws);
    JsonNode run = Invocation.of("run", "counter", "--json", "-w", ws).json();
    Files.writeString(lines, "a\n");
    Invocation.of("datasets", "register", "lines", lines.toString(), "-w", ws);
    JsonNode second = Invocation.of("run", "counter", "--json", "-w", ws).json();
    String runId = run.get("runId").asText();

    Invocation list = Invocation.of("models", "-w", ws);
    Invocation tag = Invocation.of("models", "tag", "counter:1", "production", "-w", ws);
    Invocation moved = Invocation.of("models", "tag", "counter:2", "production", "-w", ws);
    Invocation show = Invocation.of("models", "show", "counter:production", "-w", ws);
    Invocation showJson = Invocation.of("models", "show", "counter:1", "--json", "-w", ws);
    Invocation badTag = Invocation.of("models", "tag", "counter", "production", "-w", ws);
    Invocation lineage = Invocation.of("lineage", "model:counter:1", "-w", ws);
    Invocation lineageJson = Invocation.of("lineage", runId.substring(0, 8) + "/count/n", "--json", "-w", ws);
    Invocation unknown = Invocation.of("lineage", "model:counter:7", "-w", ws);

    assertThat(run.get("parameters").get("data").asText()).isEqualTo("lines:1");
    assertThat(second.get("parameters").get("data").asText()).isEqualTo("lines:2");
    assertThat(list.outLines().get(0)).matches("NAME +VERSION +FRAMEWORK +TAGS +REGISTERED +METRICS");
    assertThat(list.outLines().get(1)).matches("counter +2 +plain +.*size=3");
    assertThat(tag.outLines()).containsExactly("tagged model counter:1 production");
    assertThat(moved.outLines()).containsExactly("tagged model counter:2 production (moved from version 1)");
    assertThat(show.code()).as(show.toString()).isZero();
    assertThat(show.outLines().get(0)).matches("model counter:2  sha256:[0-9a-f]{64}");
    assertThat(show.outLines()).contains("  framework:   plain", "  tags:        production",
        "  versions:    1, 2 (production)");
    JsonNode m1 = showJson.json();
    assertThat(m1.get("runId").asText()).isEqualTo(runId);
    assertThat(m1.get("step").asText()).isEqualTo("deploy");
    assertThat(m1.get("metrics").get("size").asDouble()).isEqualTo(3.0);
    assertThat(m1.get("tags")).isEmpty();
    assertThat(Path.of(m1.get("path").asText()).resolve("model.txt")).hasContent("n=3");
    assertThat(badTag.code()).isEqualTo(2);
    assertThat(badTag.errLines()).containsExactly("pipewright: invalid model version 'counter': give NAME:VERSION,"
        + " such as digits:3");
    assertThat(lineage.code()).as(lineage.toString()).isZero();
    List<String> tree = lineage.outLines();
    assertThat(tree.get(0)).matches("model counter:1  sha256:[0-9a-f]{12}");
    assertThat(tree.get(1)).isEqualTo("  produced by run " + runId.substring(0, 8) + " (counter) step train, output"
        + " model");
    assertThat(tree.get(2)).matches("  input n: output count\\.n  sha256:[0-9a-f]{12}");
    assertThat(tree.get(4)).matches("    input raw: dataset lines:1  sha256:[0-9a-f]{12}");
    assertThat(tree.get(5)).isEqualTo("  used by run " + runId.substring(0, 8) + " (counter) step deploy, input"
        + " model");
    JsonNode root = lineageJson.json().get("root");
    assertThat(root.get("producer").get("step").asText()).isEqualTo("count");
    assertThat(root.get("inputs").get(0).get("node").get("registeredAs").get(0).asText())
        .isEqualTo("dataset lines:1");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.errLines()).containsExactly("pipewright: model 'counter' has no version 7 (versions: 1, 2)");
  }
}
