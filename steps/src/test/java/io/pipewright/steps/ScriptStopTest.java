package io.pipewright.steps;

import static io.pipewright.steps.ScriptTest.messages;
import static io.pipewright.steps.ScriptTest.source;
import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunHandle;
import io.pipewright.RunOptions;
import io.pipewright.RunStatus;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A step that times out or is cancelled kills its script and every process the script started. */
@ExtendWith(PipewrightExtension.class)
class ScriptStopTest {
  @TempDir
  Path dir;

  @Test
  void killsTheScriptAndItsChildrenWhenTheStepTimesOut(Workspace ws) throws Exception {
    Path src = source(dir.resolve("src"), "spawn.sh");
    Pipeline p = Pipeline.named("slow");
    p.prep("slow").timeout(Duration.ofSeconds(1)).runs(Script.bash("spawn.sh").sourceFolder(src));

    Run run = ws.submit(p).await();

    StepRun step = run.step("slow");
    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("step 'slow' timed out after 1 s");
    assertGone(pids(ws, run, "slow"));
  }

  @Test
  void killsTheScriptAndItsChildrenWhenTheRunIsCancelled(Workspace ws) throws Exception {
    Path src = source(dir.resolve("src"), "spawn.sh");
    Pipeline p = Pipeline.named("cancelled");
    p.prep("slow").runs(Script.bash("spawn.sh").sourceFolder(src));

    List<Long> printed = new CopyOnWriteArrayList<>();
    RunHandle handle = ws.submit(p, RunOptions.defaults().listener(event -> {
      if (event instanceof RunEvent.Log log && log.message().matches("(child|parent) \\d+")) {
        printed.add(Long.parseLong(log.message().substring(log.message().indexOf(' ') + 1)));
      }
    }));
    List<Long> pids = await(printed);
    handle.cancel();
    Run run = handle.await();

    assertThat(run.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(run.step("slow").status()).isEqualTo(StepStatus.CANCELLED);
    assertGone(pids);
  }

  /** The pids spawn.sh printed: its child's and its own. */
  private static List<Long> pids(Workspace ws, Run run, String step) {
    List<Long> pids = messages(ws, run, step).stream().filter(m -> m.matches("INFO (child|parent) \\d+"))
        .map(m -> Long.parseLong(m.substring(m.lastIndexOf(' ') + 1))).toList();
    assertThat(pids).as("the pids the script printed").hasSize(2);
    return pids;
  }

  private static List<Long> await(List<Long> printed) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (printed.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(printed).as("the pids the script printed").hasSize(2);
    return List.copyOf(printed);
  }

  /** Every process has ended (the engine does not wait for the kill, so neither can the test, at once). */
  private static void assertGone(List<Long> pids) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline && pids.stream().anyMatch(ScriptStopTest::alive)) {
      Thread.sleep(20);
    }
    for (long pid : pids) {
      assertThat(alive(pid)).as("process " + pid + " is alive").isFalse();
    }
  }

  /** Alive, and not a zombie: an orphan ended but not reaped, as PID 1 of a container may leave it for good. */
  private static boolean alive(long pid) {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }
}
