package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.spi.Datastore;
import io.pipewright.spi.Datastores;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step runner as it runs on another machine: the {@code process} target with {@code viaDatastore} starts real
 * child JVMs that share nothing with the workspace but its datastore (a folder here), so inputs, the body, outputs and
 * the result all travel through it, checked, and the run is the same as in process.
 */
class RemoteRunnerTest {
  @TempDir
  Path tmp;

  private Workspace ws;
  private Path store;
  private Path raw;

  @BeforeEach
  void open() throws Exception {
    store = tmp.resolve("datastore");
    raw = Files.createDirectories(tmp.resolve("raw"));
    Files.writeString(raw.resolve("rows.csv"), "x,y\n1,2\n3,4\n");
    Files.writeString(raw.resolve("notes.txt"), "not read");
    ws = workspace("ws", true);
  }

  private Workspace workspace(String name, boolean datastore) throws Exception {
    Path config = tmp.resolve(name + ".json");
    Files.writeString(config, "{\"targets\": {\"remote\": {\"type\": \"process\", \"viaDatastore\": true,"
        + " \"jvmOptions\": [\"-Xshare:auto\", \"-XX:TieredStopAtLevel=1\"]}}}");
    Workspace.Builder b = Workspace.builder(tmp.resolve(name)).config(config);
    return (datastore ? b.datastore(store.toUri().toString()) : b).open();
  }

  @AfterEach
  void close() {
    ws.close();
  }

  /** Counts the rows of the file it is given, and says where it found it. */
  public static final class Count implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Path file = ctx.input("raw");
      long rows = Files.readAllLines(file).size() - 1;
      Files.writeString(ctx.outputDir("counted").resolve("count.txt"), rows + " rows\n");
      ctx.log().info("counted {} rows", rows);
      ctx.metric("rows", rows);
      ctx.write("readFrom", file.toAbsolutePath().toString());
    }
  }

  /** Reads its upstream's files, and a greeting it carries: a Serializable instance. */
  static final class Report implements StepBody, Serializable {
    private static final long serialVersionUID = 1L;
    private final String greeting;

    Report(String greeting) {
      this.greeting = greeting;
    }

    @Override
    public void run(StepContext ctx) throws Exception {
      Path counted = ctx.dataset("counted").root();
      Files.writeString(ctx.outputDir("report").resolve("report.txt"),
          greeting + ": " + Files.readString(counted.resolve("count.txt")));
      ctx.write("readFrom", counted.toAbsolutePath().toString());
      ctx.write("summary", Metrics.of("rows", ctx.doubleParam("scale") * 2));
    }
  }

  public static final class Fails implements StepBody {
    @Override
    public void run(StepContext ctx) {
      throw StepException.nonRetryable("bad data in row 7");
    }
  }

  public static final class Exits implements StepBody {
    @Override
    public void run(StepContext ctx) {
      System.exit(3);
    }
  }

  private Pipeline pipeline() {
    Pipeline p = Pipeline.named("remote").parameter("scale", 1.5);
    Step count = p.prep("count").on("remote").input("raw", raw.resolve("rows.csv"))
        .produces("counted", Dataset.class).produces("readFrom", String.class).runs(Count.class);
    p.evaluate("report").on("remote").uses("scale").input("counted", count.dataset("counted"))
        .produces("report", Dataset.class).produces("readFrom", String.class).produces("summary", Metrics.class)
        .runs(new Report("hello"));
    return p;
  }

  private static String value(StepRun step, String output) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(step.outputs().get(output)).toFile())
        .get("value").asText();
  }

  private static double summaryRows(StepRun step) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(step.outputs().get("summary")).toFile())
        .get("value").get("rows").asDouble();
  }

  @Test
  void runsStepsThatShareOnlyTheDatastoreWithTheWorkspace() throws Exception {
    Run run = ws.submit(pipeline()).await();

    assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    StepRun count = run.step("count");
    assertThat(Path.of(count.outputs().get("counted")).resolve("count.txt")).hasContent("2 rows\n");
    assertThat(count.metrics()).containsEntry("rows", 2.0);
    assertThat(ws.runs().logs(run.id(), "count")).extracting(RunEvent.Log::message).contains("counted 2 rows");
    StepRun report = run.step("report");
    assertThat(Path.of(report.outputs().get("report")).resolve("report.txt")).hasContent("hello: 2 rows\n");
    assertThat(summaryRows(report)).isEqualTo(3.0);
    // the children read copies fetched from the datastore, neither the external file nor the workspace's objects
    for (String readFrom : new String[] {value(count, "readFrom"), value(report, "readFrom")}) {
      assertThat(readFrom).doesNotStartWith(raw.toString()).doesNotStartWith(tmp.resolve("ws").toString());
    }
    try (Datastore datastore = Datastores.local(store)) {
      assertThat(datastore.list("objects")).isNotEmpty();
      assertThat(datastore.list("runs")).as("descriptions and results are deleted once read").isEmpty();
    }
  }

  @Test
  void aRerunReusesWhatRanRemotelyAndRerunsOnlyWhatChanged() throws Exception {
    Run first = ws.submit(pipeline()).await();
    assertThat(first.status()).as(first.toString()).isEqualTo(RunStatus.SUCCEEDED);

    Run second = ws.submit(pipeline()).await();
    assertThat(second.step("count").status()).isEqualTo(StepStatus.REUSED);
    assertThat(second.step("report").status()).isEqualTo(StepStatus.REUSED);

    Run changed = ws.submit(pipeline(), Map.of("scale", 2.0)).await();
    assertThat(changed.step("count").status()).isEqualTo(StepStatus.REUSED);
    assertThat(changed.step("report").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(summaryRows(changed.step("report"))).isEqualTo(4.0);
  }

  @Test
  void anInputDamagedInTheDatastoreIsRefusedByTheRunner() throws Exception {
    Run first = ws.submit(pipeline()).await();
    assertThat(first.status()).as(first.toString()).isEqualTo(RunStatus.SUCCEEDED);
    try (Datastore datastore = Datastores.local(store)) {
      String counted = datastore.list("objects").stream().filter(k -> k.endsWith("/count.txt")).findFirst()
          .orElseThrow();
      datastore.write(counted, new java.io.ByteArrayInputStream("9 rows\n".getBytes()));
    }

    Run run = ws.submit(pipeline(), Map.of("scale", 2.0)).await();

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.step("report").error()).startsWith("input 'counted' could not be fetched: " + store.toUri() + ": objects/").endsWith("/count.txt does not match its manifest");
  }

  @Test
  void aFailingBodyFailsTheStepWithItsMessage() throws Exception {
    Pipeline p = Pipeline.named("fails");
    p.step("broken").on("remote").produces("x", String.class).runs(Fails.class);

    Run run = ws.submit(p).await();

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.step("broken").error()).contains("bad data in row 7");
    assertThat(run.step("broken").attempts()).isEqualTo(1);
  }

  @Test
  void aRunnerThatDiesFailsTheStepAndLeavesNothingInTheDatastore() throws Exception {
    Pipeline p = Pipeline.named("dies");
    p.step("exits").on("remote").produces("x", String.class).runs(Exits.class);

    Run run = ws.submit(p).await();

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.step("exits").error()).contains("exited with status 3");
    try (Datastore datastore = Datastores.local(store)) {
      long deadline = System.currentTimeMillis() + 30_000; // deleted off the run's lock, after the step ended
      while (!datastore.list("runs").isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(datastore.list("runs")).isEmpty();
    }
  }

  @Test
  void aTargetOnOtherMachinesNeedsAWorkspaceDatastore() throws Exception {
    try (Workspace without = workspace("without", false)) {
      assertThatThrownBy(() -> without.submit(pipeline()))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("step 'count' runs on target 'remote' (type process), on other machines")
          .hasMessageContaining("give the workspace one (--datastore");
    }
  }
}
