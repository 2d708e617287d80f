package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pipewright gc} on a workspace holding two runs of greet: times=4, then times=5. */
class GcCommandTest {
  @TempDir
  Path dir;

  private Path ws;
  private Path countOf4;

  @BeforeEach
  void twoRuns() {
    ws = dir.resolve("ws");
    JsonNode four = Invocation.of("run", "greet", "-p", "times=4", "--json", "-w", ws.toString()).json();
    Invocation.of("run", "greet", "-p", "times=5", "--json", "-w", ws.toString()).json();
    countOf4 = Path.of(four.get("steps").get(0).get("outputs").get("n").asText());
  }

  private List<Path> objects() {
    try (Stream<Path> paths = Files.walk(ws.resolve("data/objects"))) {
      return paths.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Makes the stored outputs an hour old, past gc's grace period. */
  private void age() throws IOException {
    FileTime hourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
    for (Path object : objects()) {
      Files.setLastModifiedTime(object, hourAgo);
    }
  }

  @Test
  void keepLastRemovesTheEntriesAndOutputsOnlyOlderRunsUsedAndSaysHowMuchItFreed() throws Exception {
    age();
    long freed = Files.size(countOf4);

    Invocation r = Invocation.of("gc", "--keep-last", "1", "--workspace", ws.toString());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines()).containsExactly("removed 2 cache entries and 1 object, freed " + freed
        + " B (kept 1 object in use)");
    assertThat(r.err()).isEmpty();
    assertThat(countOf4).doesNotExist();
    assertThat(objects()).hasSize(1);
    Invocation again = Invocation.of("run", "greet", "-p", "times=5", "--json", "-w", ws.toString());
    assertThat(again.json().get("steps").findValuesAsText("status")).containsOnly("REUSED");
  }

  @Test
  void dryRunSaysWhatItWouldRemoveAndRemovesNothing() throws Exception {
    age();
    List<Path> before = objects();
    long bytes = 0;
    for (Path object : before) {
      bytes += Files.size(object);
    }

    Invocation r = Invocation.of("gc", "--older-than", "0s", "--dry-run", "-w", ws.toString());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines()).containsExactly("would remove 4 cache entries and 2 objects, freeing " + bytes
        + " B (would keep 0 objects in use); nothing was removed (--dry-run)");
    assertThat(objects()).isEqualTo(before);
    Invocation again = Invocation.of("run", "greet", "-p", "times=4", "--json", "-w", ws.toString());
    assertThat(again.json().get("steps").findValuesAsText("status")).containsOnly("REUSED");
  }

  @Test
  void outputsWrittenInTheLastTenMinutesAreKept() {
    Invocation r = Invocation.of("gc", "--older-than", "PT0S", "-w", ws.toString());

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.outLines()).containsExactly("removed 4 cache entries and 0 objects, freed 0 B (kept 0 objects in"
        + " use, 2 written in the last 10 min)");
    assertThat(objects()).hasSize(2);
  }

  @Test
  void jsonHoldsTheReportAndNothingElse() throws Exception {
    age();

    Invocation r = Invocation.of("gc", "--older-than", "1d", "--json", "-w", ws.toString());

    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode json = r.json();
    assertThat(json.get("workspace").asText()).isEqualTo(ws.toAbsolutePath().toString());
    assertThat(json.get("dryRun").asBoolean()).isFalse();
    assertThat(json.get("entriesRemoved").asInt()).isZero();
    assertThat(json.get("entriesKept").asInt()).isEqualTo(4);
    assertThat(json.get("objectsRemoved").asInt()).isZero();
    assertThat(json.get("objectsInUse").asInt()).isEqualTo(2);
    assertThat(json.get("objectsRecent").asInt()).isZero();
    assertThat(json.get("stagingRemoved").asInt()).isZero();
    assertThat(json.get("bytesFreed").asLong()).isZero();
    assertThat(json.get("activeRuns")).isEmpty();
  }

  @Test
  void aBadDurationIsAUserErrorNamingTheOptionAndTheValue() {
    Invocation r = Invocation.of("gc", "--older-than", "3x", "-w", ws.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly(
        "pipewright: invalid --older-than '3x': give a duration such as 7d, 12h, 30m, 45s or PT12H");
    assertThat(objects()).hasSize(2);
  }

  @Test
  void aNegativeKeepLastIsAUserError() {
    Invocation r = Invocation.of("gc", "--keep-last", "-1", "-w", ws.toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).containsExactly("pipewright: --keep-last must be >= 0, was -1");
  }

  @Test
  void aMissingWorkspaceHasNothingToCollectAndIsNotCreated() {
    Path missing = dir.resolve("elsewhere");

    Invocation r = Invocation.of("gc", "-w", missing.toString());

    assertThat(r.code()).isZero();
    assertThat(r.outLines()).containsExactly("removed 0 cache entries and 0 objects, freed 0 B (kept 0 objects in"
        + " use)");
    assertThat(missing).doesNotExist();
  }

  @Test
  void durationsAreReadInShortFormOrIso8601() {
    assertThat(GcCommand.duration("--older-than", "7d")).isEqualTo(Duration.ofDays(7));
    assertThat(GcCommand.duration("--older-than", "12h")).isEqualTo(Duration.ofHours(12));
    assertThat(GcCommand.duration("--older-than", "30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(GcCommand.duration("--older-than", "PT12H")).isEqualTo(Duration.ofHours(12));
    assertThat(GcCommand.duration("--older-than", "P2D")).isEqualTo(Duration.ofDays(2));
  }

  @Test
  void bytesAreShownInDecimalUnitsWithOneDecimal() {
    assertThat(GcCommand.bytes(999)).isEqualTo("999 B");
    assertThat(GcCommand.bytes(1000)).isEqualTo("1.0 kB");
    assertThat(GcCommand.bytes(1_234_567)).isEqualTo("1.2 MB");
    assertThat(GcCommand.bytes(999_999)).isEqualTo("1.0 MB");
  }
}
