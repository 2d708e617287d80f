package io.pipewright.compute.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipewright.Pipeline;
import io.pipewright.Problem;
import io.pipewright.Run;
import io.pipewright.RunStatus;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A workspace whose config names a {@code gpu} target, on a stand-in nvidia-smi with three devices. */
class GpuPipelineTest {
  @TempDir
  Path tmp;

  private Workspace ws;

  @BeforeEach
  void open() throws Exception {
    Path smi = FakeNvidiaSmi.withDevices(tmp, 3);
    Path config = tmp.resolve("config.json");
    Files.writeString(config, "{\"targets\": {\"gpu\": {\"type\": \"gpu\", \"nvidiaSmi\": \"" + smi + "\","
        + " \"maxConcurrentSteps\": 2, \"jvmOptions\": [\"-XX:TieredStopAtLevel=1\"]}}}");
    ws = Workspace.builder(tmp.resolve("ws")).config(config).open();
  }

  @AfterEach
  void close() {
    ws.close();
  }

  /** Writes what the child was told about its devices. */
  public static final class Devices implements StepBody {
    @Override
    public void run(StepContext ctx) {
      ctx.write("devices", String.valueOf(System.getenv("CUDA_VISIBLE_DEVICES")));
    }
  }

  @Test
  void aStepWithOneGpuSeesOneDeviceInCudaVisibleDevices() throws Exception {
    Pipeline p = Pipeline.named("train").parameter("tag", "cpu only");
    p.step("fit").on("gpu").resources(r -> r.gpus(1)).produces("devices", String.class).runs(Devices.class);
    p.step("plain").on("gpu").uses("tag").produces("devices", String.class).runs(Devices.class);

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run.step("fit").computeTarget()).isEqualTo("gpu");
    assertThat(value(run, "fit")).matches("[012]");
    assertThat(run.step("plain").status()).isEqualTo(io.pipewright.StepStatus.SUCCEEDED);
    assertThat(value(run, "plain")).isEmpty();
  }

  @Test
  void validationRefusesAStepNeedingMoreGpusThanTheTargetHas() {
    Pipeline p = Pipeline.named("big");
    p.step("fit").on("gpu").resources(r -> r.gpus(4)).runs(Devices.class);

    assertThat(ws.validate(p)).extracting(Problem::message)
        .containsExactly("step 'fit': needs 4 gpus but it has 3 on target 'gpu' (type gpu)");
  }

  private static String value(Run run, String step) throws Exception {
    return new ObjectMapper().readTree(Path.of(run.step(step).outputs().get("devices")).toFile()).get("value")
        .asText();
  }
}
