package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.internal.util.Processes;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code process} target, with real child JVMs: what a step does there is what it does in process, reuse does not
 * care where a step ran, and a child that dies or must be stopped fails or ends the step with the reason.
 */
class ProcessTargetTest {
  private static final long WAIT_MILLIS = 30_000;

  @TempDir
  Path tmp;

  private Workspace ws;

  @BeforeEach
  void open() throws Exception {
    Path config = tmp.resolve("config.json");
    Files.writeString(config, "{\"targets\": {\"proc\": {\"type\": \"process\", \"maxConcurrentSteps\": 4,"
        + " \"jvmOptions\": [\"-Xshare:auto\", \"-XX:TieredStopAtLevel=1\"],"
        + " \"env\": {\"PW_TEST_GREETING\": \"hello from the config\"}}}}");
    ws = Workspace.builder(tmp.resolve("ws")).config(config).open();
  }

  @AfterEach
  void close() {
    ws.close();
  }

  // ---- bodies, as the step runner recreates them

  public static final class Prep implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(ctx.outputDir("rows").resolve("rows.csv"), "a,b\n1,2\n");
      ctx.log().info("prepared {} rows in pid {}", ctx.intParam("rows"), ProcessHandle.current().pid());
      System.out.println("printed by the body");
      ctx.metric("rows", ctx.intParam("rows"));
      ctx.write("pid", ProcessHandle.current().pid());
    }
  }

  public static final class Train implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      String rows = Files.readString(ctx.dataset("rows").root().resolve("rows.csv"));
      Files.writeString(ctx.outputDir("model").resolve("model.txt"), "weights for " + rows.length() + " chars");
      ctx.modelMetadata("model", Map.of("framework", "toy"));
      ctx.write("metrics", Metrics.of("accuracy", 0.75));
    }
  }

  /** Runs with its captured state: an instance that is Serializable. */
  static final class Greet implements StepBody, Serializable {
    private static final long serialVersionUID = 1L;
    private final String greeting;

    Greet(String greeting) {
      this.greeting = greeting;
    }

    @Override
    public void run(StepContext ctx) {
      ctx.write("text", greeting + " from " + ctx.stepName());
    }
  }

  public static final class DescribesItself implements StepBody {
    @Override
    public void run(StepContext ctx) {
      Step step = ctx.step();
      ctx.write("described", step.target() + " " + step.resources() + " " + step.timeout().orElseThrow() + " "
          + step.retry().maxRetries() + " " + step.allowReuse());
    }
  }

  public static final class ReadsEnv implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.write("greeting", String.valueOf(System.getenv("PW_TEST_GREETING")));
    }
  }

  public static final class Fails implements StepBody {
    @Override
    public void run(StepContext ctx) {
      throw new IllegalStateException("bad data in row 7");
    }
  }

  /** Writes its pid where the test finds it, then sleeps until stopped. */
  public static final class Sleeps implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(Path.of(ctx.stringParam("pidFile")), Long.toString(ProcessHandle.current().pid()));
      Thread.sleep(120_000);
    }
  }

  public static final class KillsItself implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
      Thread.sleep(120_000);
    }
  }

  public static final class Exits implements StepBody {
    @Override
    public void run(StepContext ctx) {
      System.err.println("fatal: the disk went away");
      System.exit(3);
    }
  }

  public static final class Hoards implements StepBody {
    @Override
    public void run(StepContext ctx) {
      List<long[]> hoard = new ArrayList<>();
      while (true) {
        hoard.add(new long[1 << 20]);
      }
    }
  }

  // ---- tests

  private static Pipeline toy(String target) {
    Pipeline p = Pipeline.named("toy").parameter("rows", 2);
    Step prep = p.prep("prep").on(target).uses("rows").produces("rows", Dataset.class).produces("pid", Long.class)
        .runs(Prep.class);
    p.train("train").on(target).input("rows", prep.dataset("rows")).produces("model", Model.class)
        .produces("metrics", Metrics.class).runs(Train.class);
    return p;
  }

  @Test
  void theBodySeesItsStepAsDeclared() throws Exception {
    Pipeline p = Pipeline.named("self");
    Step step = p.step("me").on("proc").resources(r -> r.cpus(2).memory("256m")).timeout(Duration.ofMinutes(5))
        .retries(2).produces("described", String.class).runs(DescribesItself.class);

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(run.step("me").outputs()
        .get("described")).toFile()).get("value").asText()).isEqualTo("proc " + step.resources() + " PT5M 2 true");
  }

  @Test
  void givesEachChildTheTargetsEnvironmentVariables() throws Exception {
    Pipeline p = Pipeline.named("env");
    p.step("read").on("proc").produces("greeting", String.class).runs(ReadsEnv.class);

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(run.step("read").outputs()
        .get("greeting")).toFile()).get("value").asText()).isEqualTo("hello from the config");
    assertThat(System.getenv("PW_TEST_GREETING")).as("not this JVM's").isNull();
  }

  @Test
  void runsEachStepInAnotherJvmWithItsOutputsLogsAndMetrics() throws Exception {
    Run run = ws.submit(toy("proc")).await();

    assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    StepRun prep = run.step("prep");
    assertThat(prep.computeTarget()).isEqualTo("proc");
    long childPid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(prep.outputs().get("pid"))
        .toFile()).get("value").asLong();
    assertThat(childPid).isNotEqualTo(ProcessHandle.current().pid());
    assertThat(Path.of(prep.outputs().get("rows")).resolve("rows.csv")).hasContent("a,b\n1,2\n");
    assertThat(prep.metrics()).containsEntry("rows", 2.0);
    assertThat(ws.runs().logs(run.id(), "prep")).extracting(RunEvent.Log::message)
        .contains("prepared 2 rows in pid " + childPid, "printed by the body");
    StepRun train = run.step("train");
    assertThat(Path.of(train.outputs().get("model")).resolve("model.txt")).hasContent("weights for 8 chars");
    assertThat(train.metrics()).containsEntry("accuracy", 0.75);
  }

  @Test
  void runsASerializableBodyWithItsState() {
    Pipeline p = Pipeline.named("greet");
    p.step("hello").on("proc").produces("text", String.class).runs(new Greet("hi"));

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run.step("hello").error()).isNull();
  }

  @Test
  void reusesAStepRunInProcessOnTheProcessTargetAndTheOtherWayRound() {
    Run local = ws.submit(toy("local")).await();
    Run process = ws.submit(toy("proc")).await();

    assertThat(local.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(process.step("prep").status()).isEqualTo(StepStatus.REUSED);
    assertThat(process.step("train").status()).isEqualTo(StepStatus.REUSED);

    Run processFirst = ws.submit(toy("proc"), Map.of("rows", 3)).await();
    Run localAfter = ws.submit(toy("local"), Map.of("rows", 3)).await();

    assertThat(processFirst.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(localAfter.step("prep").status()).isEqualTo(StepStatus.REUSED);
    assertThat(localAfter.step("prep").fingerprint()).isEqualTo(processFirst.step("prep").fingerprint());
  }

  @Test
  void failsTheStepWithTheBodysExceptionAsInProcess() {
    Pipeline p = Pipeline.named("f");
    p.step("bad").on("proc").runs(Fails.class);

    Run run = ws.submit(p).await();

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.step("bad").error()).isEqualTo("IllegalStateException: bad data in row 7");
    assertThat(run.step("bad").errorTrace()).contains("at io.pipewright.ProcessTargetTest$Fails.run");
  }

  @Test
  void aTimeoutStopsTheChildJvm() throws Exception {
    Path pidFile = tmp.resolve("pid");
    Pipeline p = Pipeline.named("t").parameter("pidFile", pidFile.toString());
    p.step("slow").on("proc").uses("pidFile").timeout(Duration.ofSeconds(4)).runs(Sleeps.class);

    Run run = ws.submit(p).await();

    assertThat(run.step("slow").status()).isEqualTo(StepStatus.FAILED);
    assertThat(run.step("slow").error()).isEqualTo("step 'slow' timed out after 4 s");
    assertGone(Long.parseLong(Files.readString(pidFile)));
  }

  @Test
  void cancellingTheRunStopsTheChildJvm() throws Exception {
    Path pidFile = tmp.resolve("pid");
    Pipeline p = Pipeline.named("c").parameter("pidFile", pidFile.toString());
    p.step("slow").on("proc").uses("pidFile").runs(Sleeps.class);

    RunHandle handle = ws.submit(p);
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (!Files.exists(pidFile) || Files.readString(pidFile).isEmpty()) {
      assertThat(System.currentTimeMillis()).as("the child wrote its pid").isLessThan(deadline);
      Thread.sleep(20);
    }
    handle.cancel();
    Run run = handle.await();

    assertThat(run.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(run.step("slow").status()).isEqualTo(StepStatus.CANCELLED);
    assertGone(Long.parseLong(Files.readString(pidFile)));
  }

  @Test
  void aChildKilledWithSignal9FailsTheStepSayingSo() {
    Pipeline p = Pipeline.named("k");
    p.step("train").on("proc").runs(KillsItself.class);

    Run run = ws.submit(p).await();

    assertThat(run.step("train").error()).matches("step 'train': its process \\(pid \\d+\\) was killed by signal 9");
  }

  @Test
  void aChildThatExitsFailsTheStepWithItsStatusAndLastErrorLine() {
    Pipeline p = Pipeline.named("e");
    p.step("train").on("proc").runs(Exits.class);

    Run run = ws.submit(p).await();

    assertThat(run.step("train").error())
        .matches("step 'train': its process \\(pid \\d+\\) exited with status 3: fatal: the disk went away");
  }

  @Test
  void aChildOutOfMemoryFailsTheStepNamingItsHeap() {
    Pipeline p = Pipeline.named("m");
    p.step("train").on("proc").resources(r -> r.memory("64m")).runs(Hoards.class);

    Run run = ws.submit(p).await();

    assertThat(run.step("train").error())
        .matches("step 'train': its process \\(pid \\d+\\) ran out of memory \\(-Xmx64m\\)");
  }

  @Test
  void validationRefusesALambdaOrANonSerializableBodyOnTheProcessTarget() {
    Pipeline p = Pipeline.named("v");
    p.step("x").on("proc").runs(ctx -> { });
    p.step("y").on("proc").runs(new StepBody() {
      @Override
      public void run(StepContext ctx) {}
    });
    p.step("z").on("proc").runs(new Greet("fine"));
    p.step("w").runs(ctx -> { }); // on local: fine

    assertThat(ws.validate(p)).extracting(Problem::message).containsExactly(
        "step 'x' runs on target 'proc' (type process), in another JVM: give it a body class or a Serializable body",
        "step 'y' runs on target 'proc' (type process), in another JVM: give it a body class or a Serializable body");
  }

  private static void assertGone(long pid) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (ProcessHandle.of(pid).map(Processes::running).orElse(false)) {
      assertThat(System.currentTimeMillis()).as("process " + pid + " ended").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
