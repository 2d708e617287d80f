package io.pipewright.datastore.azureblob;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunStatus;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.WorkspaceConfig;
import io.pipewright.internal.engine.StepRunner;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.spi.Datastore;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline whose input and whose workspace's outputs live in Azure Blob Storage (Azurite). */
class AzureBlobPipelineIT {
  @TempDir
  Path tmp;

  private BlobContainerClient container;

  @BeforeEach
  void createContainer() {
    Azurite.endpoint(); // skips (or, in CI, fails) without Azurite
    container = Azurite.newContainer();
  }

  @AfterEach
  void deleteContainer() {
    if (container != null) {
      container.delete();
    }
  }

  static final AtomicInteger RUNS = new AtomicInteger();

  /** Counts the lines of each file of its input. */
  public static final class CountLines implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      RUNS.incrementAndGet();
      StringBuilder out = new StringBuilder();
      for (var file : ctx.dataset("raw").files()) {
        out.append(file.path()).append(' ').append(Files.readAllLines(ctx.dataset("raw").file(file.path())).size())
            .append('\n');
      }
      Files.writeString(ctx.outputDir("counts").resolve("counts.txt"), out);
    }
  }

  private Pipeline pipeline() {
    URI raw = URI.create("azureblob://" + Azurite.ACCOUNT + "/" + container.getBlobContainerName() + "/raw/rows");
    Pipeline p = Pipeline.named("blob");
    p.prep("count").input("raw", raw).produces("counts", Dataset.class).runs(CountLines.class);
    return p;
  }

  @Test
  void aStepReadsItsInputFromABlobPrefixAndItsOutputsAreMirroredAndPulledBack() throws Exception {
    try (Datastore bucket = Azurite.open(container.getBlobContainerName(), Map.of())) {
      bucket.write("raw/rows/a.csv", new ByteArrayInputStream("1\n2\n".getBytes(StandardCharsets.UTF_8)));
      bucket.write("raw/rows/part/b.csv", new ByteArrayInputStream("3\n".getBytes(StandardCharsets.UTF_8)));
    }
    String mirror = "azureblob://" + Azurite.ACCOUNT + "/" + container.getBlobContainerName() + "/workspace";
    Map<String, String> settings = Map.of("endpoint", Azurite.endpoint(), "accountKey", Azurite.KEY);
    RUNS.set(0);
    Path wsDir = tmp.resolve("ws");

    try (Workspace ws = Workspace.builder(wsDir).datastore(mirror, settings).open()) {
      Run first = ws.submit(pipeline()).await();
      assertThat(first.status()).as(String.valueOf(first)).isEqualTo(RunStatus.SUCCEEDED);
      Path counts = Path.of(first.step("count").outputs().get("counts"));
      assertThat(counts.resolve("counts.txt")).hasContent("a.csv 2\npart/b.csv 1\n");
      String hex = counts.getFileName().toString();
      assertThat(container.getBlobClient("workspace/objects/" + hex.substring(0, 2) + "/" + hex + ".json").exists())
          .isTrue();

      FileTrees.deleteRecursively(wsDir.resolve("data/objects")); // as on a machine that never ran it
      Run second = ws.submit(pipeline()).await();

      assertThat(second.step("count").status()).isEqualTo(StepStatus.REUSED);
      assertThat(counts.resolve("counts.txt")).hasContent("a.csv 2\npart/b.csv 1\n");
      assertThat(RUNS).hasValue(1);
    }
  }

  /**
   * The step runner as on another machine (the process target with viaDatastore): it gets the blob container's
   * settings from PIPEWRIGHT_DATASTORE_SETTINGS only, fetches its input from the container, and puts its output there.
   */
  @Test
  void aStepRunnerThatSharesOnlyTheContainerWithTheWorkspaceRunsTheStep() throws Exception {
    try (Datastore bucket = Azurite.open(container.getBlobContainerName(), Map.of())) {
      bucket.write("raw/rows/a.csv", new ByteArrayInputStream("1\n2\n3\n".getBytes(StandardCharsets.UTF_8)));
    }
    String mirror = "azureblob://" + Azurite.ACCOUNT + "/" + container.getBlobContainerName() + "/workspace";
    Map<String, String> settings = Map.of("endpoint", Azurite.endpoint(), "accountKey", Azurite.KEY);
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = json.createObjectNode();
    ObjectNode remote = config.putObject("targets").putObject("remote").put("type", "process")
        .put("viaDatastore", true);
    remote.putArray("jvmOptions").add("-Djdk.httpclient.allowRestrictedHeaders=content-length");
    remote.putObject("env").put(StepRunner.DATASTORE_SETTINGS, json.writeValueAsString(settings));
    Pipeline onRemote = Pipeline.named("blob");
    onRemote.prep("count").on("remote").input("raw", URI.create("azureblob://" + Azurite.ACCOUNT + "/"
        + container.getBlobContainerName() + "/raw/rows")).produces("counts", Dataset.class).runs(CountLines.class);
    RUNS.set(0);

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).config(WorkspaceConfig.parse(json.writeValueAsString(
        config), "test")).datastore(mirror, settings).open()) {
      Run run = ws.submit(onRemote).await();

      assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("count").computeTarget()).isEqualTo("remote");
      Path counts = Path.of(run.step("count").outputs().get("counts"));
      assertThat(counts.resolve("counts.txt")).hasContent("a.csv 3\n");
      String hex = counts.getFileName().toString();
      assertThat(container.getBlobClient("workspace/objects/" + hex.substring(0, 2) + "/" + hex + "/counts.txt")
          .exists()).isTrue();
      assertThat(container.listBlobsByHierarchy("workspace/runs/").stream().count())
          .as("the attempt's description and result are deleted once read").isZero();
      assertThat(RUNS).as("the body ran in the child, not here").hasValue(0);
    }
  }
}
