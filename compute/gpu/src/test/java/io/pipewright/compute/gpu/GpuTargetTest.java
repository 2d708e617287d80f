package io.pipewright.compute.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Resources;
import io.pipewright.StepException;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.ComputeTargets;
import io.pipewright.spi.Execution;
import io.pipewright.spi.RunnerAttempt;
import io.pipewright.spi.StepDescription;
import io.pipewright.spi.StepTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target handing whole devices to child JVMs, driven directly (without core's accounting, which would hide a
 * target that frees devices too early): what the child sees, no device held twice, devices back only once the child
 * is gone. The children are {@link EnvMain}. No test measures time; waits are bounded only so a broken target fails.
 */
class GpuTargetTest {
  private static final long WAIT_MILLIS = 30_000;
  private static final AtomicInteger IDS = new AtomicInteger();

  @TempDir
  Path tmp;

  private GpuTarget target;

  @BeforeEach
  void open() throws Exception {
    target = (GpuTarget) ComputeTargets.create(ComputeTargetSettings.defaults("gpu", "gpu")
        .with("nvidiaSmi", FakeNvidiaSmi.withDevices(tmp, 3).toString()).with("maxConcurrentSteps", 4)
        .with("jvmOptions", List.of("-XX:TieredStopAtLevel=1")));
  }

  @AfterEach
  void close() {
    target.close();
  }

  @Test
  void aStepAskingForOneGpuSeesOneDeviceIndex() throws Exception {
    Child child = new Child(1, "exit0");

    await(target.submit(child));

    assertThat(child.devices()).hasSize(1);
    assertThat(child.devices().get(0)).isBetween(0, 2);
    assertThat(child.fields()[1]).isEqualTo(child.fields()[0]); // NVIDIA_VISIBLE_DEVICES
    assertThat(child.fields()[2]).isEqualTo("PCI_BUS_ID");
  }

  @Test
  void aStepAskingForNoGpuSeesNoDevice() throws Exception {
    Child child = new Child(0, "exit0");

    await(target.submit(child));

    assertThat(child.fields()[0]).isEmpty();
    assertThat(child.fields()[1]).isEmpty();
  }

  @Test
  void stepsNeedingTwoOfThreeDevicesNeverShareOneAndTheSecondStartsOnlyOnceTheFirstProcessIsGone()
      throws Exception {
    Child first = new Child(2, "hang");
    Execution running = target.submit(first);
    first.awaitFile();
    Child single = new Child(1, "exit0");
    await(target.submit(single));
    assertThat(first.devices()).hasSize(2).doesNotContainAnyElementsOf(single.devices());
    assertThat(target.freeDevices()).doesNotContainAnyElementsOf(first.devices());

    Child second = new Child(2, "check:" + first.pid());
    Execution waiting = target.submit(second);
    running.cancel();

    assertThat(failure(running)).isInstanceOf(CancellationException.class);
    await(waiting);
    assertThat(second.fields()[4]).as("the first step's process when the second started").isEqualTo("gone");
    assertThat(second.devices()).hasSize(2).doesNotHaveDuplicates();
    awaitAllFree();
  }

  @Test
  void afterCancelTheDevicesWaitForTheWholeProcessTreeNotOnlyTheChildJvm() throws Exception {
    Child parent = new Child(3, "tree");
    Execution running = target.submit(parent);
    parent.awaitFile();
    String grandchild = parent.fields()[4];

    Child next = new Child(1, "check:" + grandchild);
    Execution waiting = target.submit(next);
    running.cancel();

    await(waiting);
    assertThat(next.fields()[4]).as("the first step's grandchild when the next step started").isEqualTo("gone");
  }

  @Test
  void devicesComeBackAfterASuccessAndAFailure() throws Exception {
    await(target.submit(new Child(3, "exit0")));
    awaitAllFree();

    Throwable failed = failure(target.submit(new Child(3, "exit1")));
    assertThat(failed).isInstanceOf(StepException.class).hasMessageContaining("exited with status 1");
    awaitAllFree();

    Child last = new Child(3, "exit0");
    await(target.submit(last));
    assertThat(last.devices()).containsExactlyInAnyOrder(0, 1, 2);
  }

  @Test
  void aWaitingStepCancelledBeforeItsDevicesCameBackNeverStarts() throws Exception {
    Child holder = new Child(3, "hang");
    Execution running = target.submit(holder);
    holder.awaitFile();
    Child late = new Child(1, "exit0");

    Execution waiting = target.submit(late);
    waiting.cancel();
    running.cancel();

    assertThat(failure(waiting)).isInstanceOf(CancellationException.class);
    awaitAllFree();
    await(target.submit(new Child(3, "exit0")));
    assertThat(late.file).doesNotExist();
  }

  @Test
  void aStepNeedingMoreGpusThanTheTargetHasFails() {
    assertThat(failure(target.submit(new Child(4, "exit0"))))
        .hasMessageMatching("step 'child-\\d+': needs 4 gpus but the gpu target has 3");
  }

  // ---- helpers

  private void awaitAllFree() throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (!target.freeDevices().equals(List.of(0, 1, 2))) {
      assertThat(System.currentTimeMillis()).as("all devices free again").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static void await(Execution execution) throws Exception {
    try {
      execution.completion().toCompletableFuture().get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the attempt failed: " + e.getCause(), e.getCause());
    }
  }

  private static Throwable failure(Execution execution) {
    try {
      execution.completion().toCompletableFuture().get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      throw new AssertionError("the attempt completed normally");
    } catch (CancellationException e) {
      return e;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** An attempt whose child is {@link EnvMain}, writing what it saw to {@link #file}. */
  private final class Child implements StepTask, RunnerAttempt {
    private final String name = "child-" + IDS.incrementAndGet();
    private final int gpus;
    private final String mode;
    final Path file;

    Child(int gpus, String mode) {
      this.gpus = gpus;
      this.mode = mode;
      this.file = tmp.resolve(name + ".txt");
    }

    String[] fields() throws Exception {
      return Files.readString(file).split("\\|", -1);
    }

    List<Integer> devices() throws Exception {
      String visible = fields()[0];
      return visible.isEmpty() ? List.of()
          : new ArrayList<>(Arrays.stream(visible.split(",")).map(Integer::valueOf).toList());
    }

    long pid() throws Exception {
      return Long.parseLong(fields()[3]);
    }

    void awaitFile() throws InterruptedException {
      long deadline = System.currentTimeMillis() + WAIT_MILLIS;
      while (!Files.exists(file)) {
        assertThat(System.currentTimeMillis()).as(name + " started").isLessThan(deadline);
        Thread.sleep(10);
      }
    }

    @Override
    public String runId() {
      return "gpu-test";
    }

    @Override
    public String pipeline() {
      return "gpu-test";
    }

    @Override
    public String stepName() {
      return name;
    }

    @Override
    public String fingerprint() {
      return "sha256:" + "0".repeat(64);
    }

    @Override
    public int attempt() {
      return 1;
    }

    @Override
    public Resources resources() {
      return Resources.DEFAULT.gpus(gpus);
    }

    @Override
    public void execute() {
      throw new UnsupportedOperationException("runs out of process only");
    }

    @Override
    public Optional<RunnerAttempt> outOfProcess() {
      return Optional.of(this);
    }

    @Override
    public StepDescription start() {
      return new StepDescription(EnvMain.class.getName(), List.of(file.toString(), mode), file);
    }

    @Override
    public StepDescription startRemote() {
      throw new UnsupportedOperationException("the gpu target runs steps on this machine");
    }

    @Override
    public void event(String line) {
      // EnvMain prints nothing
    }

    @Override
    public void complete() {
      // nothing to store
    }
  }
}
