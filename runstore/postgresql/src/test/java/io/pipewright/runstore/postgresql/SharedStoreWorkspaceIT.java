package io.pipewright.runstore.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Run;
import io.pipewright.RunStatus;
import io.pipewright.StepStatus;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workspaces, in one process and in several, that record their runs in one PostgreSQL store. */
class SharedStoreWorkspaceIT {
  @TempDir
  Path tmp;

  @AfterAll
  static void dropSchemas() {
    TestPostgres.dropSchemas();
  }

  @Test
  void aSecondWorkspaceInstanceSeesTheRunAndReusesItsSteps() {
    String store = TestPostgres.newSchemaUrl();
    Run first;
    try (Workspace ws = Workspace.builder(tmp.resolve("ws")).store(store).open()) {
      first = ws.submit(SharedPipeline.pipeline()).await();
    }
    assertThat(first.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(first.step("prepare").status()).isEqualTo(StepStatus.SUCCEEDED);

    try (Workspace again = Workspace.builder(tmp.resolve("ws")).store(store).open()) {
      Run second = again.submit(SharedPipeline.pipeline()).await();

      assertThat(second.steps()).allSatisfy(s -> {
        assertThat(s.status()).isEqualTo(StepStatus.REUSED);
        assertThat(s.reusedFrom()).isEqualTo(first.id());
      });
      assertThat(again.runs().get(first.id().substring(0, 8))).isEqualTo(first);
      assertThat(again.runs().list(10)).extracting(Run::id).containsExactly(second.id(), first.id());
      assertThat(second.step("score").metrics()).containsEntry("score", 42.0);
    }
    // The workspace's own file keeps no runs: only the memo of this machine's file hashes.
    try (Workspace local = Workspace.open(tmp.resolve("ws"))) {
      assertThat(local.runs().list(10)).isEmpty();
    }
  }

  @Test
  void twoMachinesReachingTheSameStepAtOnceComputeItOnce() throws Exception {
    String store = TestPostgres.newSchemaUrl();
    // Two workspace folders: two lock folders, as on two machines; only the store's advisory locks are shared.
    Process a = start(tmp.resolve("a"), store);
    Process b = start(tmp.resolve("b"), store);
    List<String> both = new ArrayList<>(finish(a));
    both.addAll(finish(b));

    assertThat(both.stream().filter(l -> l.startsWith("score SUCCEEDED"))).hasSize(1);
    assertThat(both.stream().filter(l -> l.startsWith("score REUSED"))).hasSize(1);
    assertThat(both.stream().filter(l -> l.matches("run \\S+ SUCCEEDED"))).hasSize(2);
    try (Workspace ws = Workspace.builder(tmp.resolve("a")).store(store).open()) {
      assertThat(ws.runs().list(10)).extracting(Run::status).containsExactly(RunStatus.SUCCEEDED,
          RunStatus.SUCCEEDED);
    }
  }

  @Test
  void aUrlWithAPasswordIsNeverShownInFull() {
    String url = "jdbc:postgresql://127.0.0.1:1/none?user=u&password=s3cret";

    assertThatThrownBy(() -> Workspace.builder(tmp.resolve("ws")).store(url).open())
        .isInstanceOf(UserException.class)
        .hasMessageStartingWith("run store jdbc:postgresql://127.0.0.1:1/none?user=u&password=***: cannot connect: ")
        .hasMessageNotContaining("s3cret");
  }

  private static Process start(Path dir, String store) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SharedPipeline.class.getName(),
        dir.toString(), store).redirectErrorStream(true).start();
  }

  private static List<String> finish(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().toList();
  }
}
