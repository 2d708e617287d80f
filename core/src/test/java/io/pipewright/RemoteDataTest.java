package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.internal.util.FileTrees;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steps whose inputs and outputs live in a datastore. A local folder opened as a datastore ({@code file:}) stands in
 * for a remote one here; the Azure Blob module runs the same paths against Azurite.
 */
class RemoteDataTest {
  @TempDir
  Path tmp;

  static final AtomicInteger COUNTED = new AtomicInteger();

  @BeforeEach
  void reset() {
    COUNTED.set(0);
  }

  /** Writes the number of lines of every file of its input, and how many files there were. */
  public static final class CountLines implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      COUNTED.incrementAndGet();
      Dataset raw = ctx.dataset("raw");
      StringBuilder counts = new StringBuilder();
      for (DataFile file : raw.files()) {
        counts.append(file.path()).append('=').append(Files.readAllLines(raw.file(file.path())).size()).append('\n');
      }
      Files.writeString(ctx.outputDir("counts").resolve("counts.txt"), counts);
      ctx.write("files", (long) raw.files().size());
    }
  }

  private static Pipeline counting(Function<StepBuilder, StepBuilder> input) {
    Pipeline p = Pipeline.named("p");
    input.apply(p.prep("count")).produces("counts", Dataset.class).produces("files", Long.class)
        .runs(CountLines.class);
    return p;
  }

  private Path rawData() throws Exception {
    Path raw = Files.createDirectories(tmp.resolve("bucket/raw/digits"));
    Files.writeString(raw.resolve("a.csv"), "1\n2\n3\n");
    Files.createDirectories(raw.resolve("more"));
    Files.writeString(raw.resolve("more/b.csv"), "4\n");
    return raw;
  }

  @Test
  void anInputBelowADatastorePrefixIsCopiedInAndHashedLikeTheSameLocalFolder() throws Exception {
    Path raw = rawData();
    URI remote = tmp.resolve("bucket").toUri().resolve("raw/digits");

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).open()) {
      Run fromDatastore = ws.submit(counting(b -> b.input("raw", remote))).await();
      Run fromFolder = ws.submit(counting(b -> b.input("raw", raw))).await();

      assertThat(fromDatastore.status()).as(String.valueOf(fromDatastore)).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(Path.of(fromDatastore.step("count").outputs().get("counts")).resolve("counts.txt"))
          .hasContent("a.csv=3\nmore/b.csv=1\n");
      // Same files, same content hash: the local folder's run reuses the datastore's.
      assertThat(fromFolder.step("count").status()).isEqualTo(StepStatus.REUSED);
      assertThat(COUNTED).hasValue(1);
      assertThat(ws.dir().resolve("tmp").resolve(fromDatastore.id())).doesNotExist(); // the copy went with the run
    }
  }

  @Test
  void aPrefixWithoutObjectsFailsTheStepNamingIt() {
    URI empty = tmp.resolve("bucket").toUri().resolve("nothing");

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).open()) {
      Run run = ws.submit(counting(b -> b.input("raw", empty))).await();

      assertThat(run.step("count").status()).isEqualTo(StepStatus.FAILED);
      assertThat(run.step("count").error()).startsWith("step 'count': ").contains("nothing").endsWith(
          "no objects below it");
    }
  }

  @Test
  void outputsArePushedToTheWorkspaceDatastoreAndPulledBackWhereTheyAreMissing() throws Exception {
    Path raw = rawData();
    Path shared = tmp.resolve("shared");
    Path wsDir = tmp.resolve("ws");

    try (Workspace ws = Workspace.builder(wsDir).datastore(shared.toString()).open()) {
      Run first = ws.submit(counting(b -> b.input("raw", raw))).await();
      Path counts = Path.of(first.step("count").outputs().get("counts"));
      String hex = counts.getFileName().toString();
      assertThat(shared.resolve("objects").resolve(hex.substring(0, 2)).resolve(hex).resolve("counts.txt"))
          .hasSameTextualContentAs(counts.resolve("counts.txt"));
      assertThat(shared.resolve("objects").resolve(hex.substring(0, 2)).resolve(hex + ".json")).isRegularFile();

      // This machine loses its copies, as another machine sharing the run store never had them.
      FileTrees.deleteRecursively(wsDir.resolve("data/objects"));
      Run second = ws.submit(counting(b -> b.input("raw", raw))).await();

      assertThat(second.step("count").status()).isEqualTo(StepStatus.REUSED);
      assertThat(COUNTED).hasValue(1);
      assertThat(counts.resolve("counts.txt")).hasContent("a.csv=3\nmore/b.csv=1\n");
    }
  }

  @Test
  void aDamagedCopyInTheDatastoreIsNotTakenAndTheStepRunsAgain() throws Exception {
    Path raw = rawData();
    Path shared = tmp.resolve("shared");
    Path wsDir = tmp.resolve("ws");

    try (Workspace ws = Workspace.builder(wsDir).datastore(shared.toString()).open()) {
      Run first = ws.submit(counting(b -> b.input("raw", raw))).await();
      String hex = Path.of(first.step("count").outputs().get("counts")).getFileName().toString();
      Files.writeString(shared.resolve("objects").resolve(hex.substring(0, 2)).resolve(hex).resolve("counts.txt"),
          "tampered");
      FileTrees.deleteRecursively(wsDir.resolve("data/objects"));

      Run second = ws.submit(counting(b -> b.input("raw", raw))).await();

      assertThat(second.step("count").status()).isEqualTo(StepStatus.SUCCEEDED);
      assertThat(COUNTED).hasValue(2);
      try (Stream<Path> left = Files.walk(wsDir.resolve("tmp"))) {
        assertThat(left.filter(Files::isRegularFile)).isEmpty(); // no partial copy stayed behind
      }
    }
  }

  @Test
  void registeredDatasetsAreMirroredAndFetchedWhereTheyAreMissing() throws Exception {
    Path raw = rawData();
    Path wsDir = tmp.resolve("ws");

    try (Workspace ws = Workspace.builder(wsDir).datastore(tmp.resolve("shared").toString()).open()) {
      RegisteredDataset registered = ws.datasets().register("digits", raw);
      FileTrees.deleteRecursively(wsDir.resolve("data/objects"));

      RegisteredDataset fetched = ws.datasets().get("digits:1");

      assertThat(fetched.contentHash()).isEqualTo(registered.contentHash());
      assertThat(fetched.dataset().file("a.csv")).hasContent("1\n2\n3\n");
    }
  }
}
