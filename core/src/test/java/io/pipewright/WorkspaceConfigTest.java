package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.spi.Capacity;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workspace config file: its form, its targets (created by their providers), binding, fallback, precedence. */
class WorkspaceConfigTest {
  private static final StepBody NOTHING = ctx -> { };

  @TempDir
  Path tmp;

  private Path config(String json) throws IOException {
    return Files.writeString(tmp.resolve("config.json"), json);
  }

  private Workspace open(String json) throws IOException {
    return Workspace.builder(tmp.resolve("ws")).config(config(json)).open();
  }

  private String error(String json) throws IOException {
    Path file = config(json);
    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).config(file).open()) {
      throw new AssertionError("opened " + ws);
    } catch (UserException e) {
      return e.getMessage().replace(file.toString(), "FILE");
    }
  }

  @Test
  void bindsStepsToTheTargetsTheConfigDefines() throws IOException {
    Pipeline p = Pipeline.named("p");
    p.step("prep").on("etl").runs(NOTHING);
    p.step("train").on("gpu").resources(r -> r.gpus(2)).runs(NOTHING);

    try (Workspace ws = open("""
        {"targets": {"etl": {"type": "local", "threads": 2, "memory": "2g"},
                     "gpu": {"type": "fixed", "gpus": 2, "maxConcurrentSteps": 1}}}
        """)) {
      Run run = ws.submit(p).await();

      assertThat(ws.targets()).containsExactly("local", "etl", "gpu");
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("prep").computeTarget()).isEqualTo("etl");
      assertThat(run.step("train").computeTarget()).isEqualTo("gpu");
    }
  }

  @Test
  void refusesAStepOnAnUnconfiguredTargetBeforeAnyStepRuns() throws IOException {
    Pipeline p = Pipeline.named("p");
    p.step("prep").on("etl").runs(ctx -> {
      throw new AssertionError("ran");
    });
    p.step("train").on("gpu").runs(NOTHING);

    try (Workspace ws = open("{\"targets\": {\"etl\": {\"type\": \"local\"}}, \"fallbackToLocal\": false}")) {
      assertThatThrownBy(() -> ws.submit(p)).isInstanceOf(ValidationException.class)
          .hasMessageContaining("step 'train': compute target 'gpu' is not configured (configured: local, etl)"
              + " -- bind it in the workspace config");
      assertThat(ws.runs().list(10)).isEmpty();
    }
  }

  @Test
  void fallsBackToLocalOnlyWhenTheConfigSaysSo() throws IOException {
    Pipeline p = Pipeline.named("p");
    p.step("train").on("gpu").runs(NOTHING);

    try (Workspace ws = open("{\"fallbackToLocal\": true}")) {
      Run run = ws.submit(p).await();

      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("train").computeTarget()).isEqualTo("local");
    }
    try (Workspace ws = Workspace.open(tmp.resolve("ws"))) {
      assertThat(ws.validate(p)).hasSize(1);
    }
  }

  @Test
  void aStepNeedingMoreThanTheFallbackOffersSaysWhichTargetItStandsFor() throws IOException {
    Pipeline p = Pipeline.named("p");
    p.step("train").on("gpu").resources(r -> r.gpus(1)).runs(NOTHING);

    try (Workspace ws = open("{\"fallbackToLocal\": true}")) {
      assertThat(ws.validate(p)).extracting(Problem::message).containsExactly(
          "step 'train': needs 1 gpu but it has 0 on target 'local' (type local, standing in for 'gpu')");
    }
  }

  @Test
  void createsEachConfiguredTargetOnceReusesItAcrossRunsAndClosesItWithTheWorkspace() throws IOException {
    Pipeline p = Pipeline.named("p");
    p.step("a").on("gpu").runs(NOTHING);
    int before = FixedTargetProvider.CREATED.size();

    FixedCapacityTarget target;
    try (Workspace ws = open("{\"targets\": {\"gpu\": {\"type\": \"fixed\"}}}")) {
      ws.submit(p).await();
      ws.submit(p, RunOptions.defaults().reuse(false)).await();
      assertThat(FixedTargetProvider.CREATED).hasSize(before + 1);
      target = FixedTargetProvider.CREATED.get(before);
      assertThat(target.submitted.get()).isEqualTo(2);
      assertThat(target.closed).isFalse();
    }
    assertThat(target.closed).isTrue();
  }

  @Test
  void explicitBuilderCallsWinOverTheFile() throws IOException {
    Path file = config("{\"targets\": {\"gpu\": {\"type\": \"fixed\", \"gpus\": 1}}, \"fallbackToLocal\": true,"
        + " \"datastore\": \"" + tmp.resolve("from-file").toString().replace("\\", "\\\\") + "\"}");
    int before = FixedTargetProvider.CREATED.size();
    FixedCapacityTarget given = new FixedCapacityTarget(new Capacity(2, 1L << 30, 4, 2));
    Pipeline p = Pipeline.named("p");
    p.step("train").on("gpu").resources(r -> r.gpus(4)).produces("out", String.class)
        .runs(ctx -> ctx.write("out", "x"));
    p.step("other").on("spark").runs(NOTHING);

    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).config(file).target("gpu", given)
        .fallbackToLocal(false).datastore(tmp.resolve("given").toString()).open()) {
      assertThat(ws.validate(p)).extracting(Problem::message).containsExactly(
          "step 'other': compute target 'spark' is not configured (configured: local, gpu) -- bind it in the"
              + " workspace config");
      p = Pipeline.named("q");
      p.step("train").on("gpu").resources(r -> r.gpus(4)).produces("out", String.class)
          .runs(ctx -> ctx.write("out", "x"));
      assertThat(ws.submit(p).await().status()).isEqualTo(RunStatus.SUCCEEDED);
    }
    assertThat(FixedTargetProvider.CREATED).hasSize(before);
    assertThat(given.submitted.get()).isEqualTo(1);
    assertThat(tmp.resolve("given")).isNotEmptyDirectory();
    assertThat(tmp.resolve("from-file")).doesNotExist();
  }

  @Test
  void localThreadsGivenExplicitlyWinOverTheFilesLocalTarget() throws IOException {
    try (Workspace ws = Workspace.builder(tmp.resolve("ws"))
        .config(config("{\"targets\": {\"local\": {\"type\": \"local\", \"threads\": 3, \"gpus\": 1}}}"))
        .localThreads(5).open()) {
      Pipeline p = Pipeline.named("p");
      p.step("a").resources(r -> r.gpus(1)).runs(NOTHING);
      assertThat(ws.validate(p)).isEmpty(); // the file's gpus stay
    }
  }

  @Test
  void aSyntaxErrorNamesTheFileLineAndColumn() throws IOException {
    assertThat(error("{\"targets\": {\n  \"etl\": {\"type\": \"local\",}\n}}")).startsWith(
        "config FILE, line 2, column 27: syntax error: Unexpected character ('}' (code 125))");
  }

  @Test
  void aWrongTypeNamesTheKeyPath() throws IOException {
    assertThat(error("{\"targets\": {\"gpu\": {\"type\": \"local\", \"threads\": \"four\"}}}"))
        .isEqualTo("config FILE: targets.gpu.threads: expected a number, got \"four\"");
    assertThat(error("{\"targets\": {\"gpu\": {\"type\": \"local\", \"threads\": 0}}}"))
        .isEqualTo("config FILE: targets.gpu.threads: must be >= 1, was 0");
    assertThat(error("{\"targets\": {\"gpu\": \"local\"}}"))
        .isEqualTo("config FILE: targets.gpu: expected an object, got a string");
    assertThat(error("{\"fallbackToLocal\": \"yes\"}"))
        .isEqualTo("config FILE: fallbackToLocal: expected true or false, got \"yes\"");
    assertThat(error("{\"targets\": {\"p\": {\"type\": \"process\", \"env\": {\"A\": 1}}}}"))
        .isEqualTo("config FILE: targets.p.env: expected an object of strings, got an object");
    assertThat(error("{\"targets\": {\"p\": {\"type\": \"process\", \"env\": {\"MY-VAR\": \"x\"}}}}"))
        .isEqualTo("config FILE: targets.p.env: 'MY-VAR' is not a valid environment variable name");
    assertThat(error("{\"targets\": {\"gpu\": {\"threads\": 2}}}")).isEqualTo("config FILE: targets.gpu.type: missing"
        + " -- say which kind of target it is (local, process, gpu, spark, kubernetes)");
  }

  @Test
  void anUnknownKeyIsNamedWithTheKnownOnes() throws IOException {
    assertThat(error("{\"target\": {}}")).isEqualTo("config FILE: target: unknown key (known: datastore,"
        + " datastoreSettings, fallbackToLocal, store, targets)");
    assertThat(error("{\"targets\": {\"etl\": {\"type\": \"local\", \"thread\": 2}}}")).isEqualTo("config FILE:"
        + " targets.etl.thread: unknown setting for a local target (known: cpus, gpus, maxConcurrentSteps, memory,"
        + " threads)");
  }

  @Test
  void aTypeWhoseModuleIsMissingNamesTheModule() throws IOException {
    assertThat(error("{\"targets\": {\"gpu\": {\"type\": \"gpu\", \"devices\": \"all\"}}}")).isEqualTo(
        "config FILE: targets.gpu.type: compute target type 'gpu' needs the module"
            + " io.pipewright:pipewright-compute-gpu -- add it to the classpath (as a Maven dependency)");
    assertThat(error("{\"targets\": {\"big\": {\"type\": \"spark\"}}}")).contains(
        "io.pipewright:pipewright-compute-spark");
    assertThat(error("{\"targets\": {\"k\": {\"type\": \"kubernetes\"}}}")).contains(
        "io.pipewright:pipewright-compute-kubernetes");
    assertThat(error("{\"targets\": {\"q\": {\"type\": \"quantum\"}}}")).isEqualTo(
        "config FILE: targets.q.type: unknown compute target type 'quantum' (known: fixed, local, process)");
  }

  @Test
  void secretsNeverAppearInMessages() throws IOException {
    String message = error("{\"datastoreSettings\": {\"accountKey\": 1234567}}");
    assertThat(message).isEqualTo("config FILE: datastoreSettings.accountKey: expected a string, got a number");
    String target = error("{\"targets\": {\"g\": {\"type\": \"fixed\", \"token\": \"s3cr3t\", \"gpus\": \"x\"}}}");
    assertThat(target).doesNotContain("s3cr3t");
    ComputeTargetSettings settings = new ComputeTargetSettings("g", "fixed", Map.of("token", "s3cr3t", "n", 1));
    assertThat(settings.toString()).doesNotContain("s3cr3t");
    assertThatThrownBy(() -> settings.integer("token", 1, 0)).hasMessage(
        "targets.g.token: expected a number, got a string");
    WorkspaceConfig config = WorkspaceConfig.parse("{\"store\": \"jdbc:postgresql://db/p?password=pw\","
        + " \"datastoreSettings\": {\"accountKey\": \"k3y\"}}", "inline");
    assertThat(config.toString()).doesNotContain("pw&").doesNotContain("=pw").doesNotContain("k3y");
  }

  @Test
  void targetsCanBeCreatedByTypeWithoutAWorkspace() {
    try (var target = ComputeTargets.create(new ComputeTargetSettings("etl", "local",
        Map.of("threads", 2, "cpus", 3, "memory", "1g", "gpus", 1, "maxConcurrentSteps", 4)))) {
      assertThat(target.type()).isEqualTo("local");
      assertThat(target.capacity()).isEqualTo(new Capacity(3, 1L << 30, 1, 4));
    }
  }
}
