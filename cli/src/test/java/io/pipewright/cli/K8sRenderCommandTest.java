package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.Pipeline;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.spi.PipelineProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pipewright k8s render}: the Jobs a pipeline submits to its kubernetes targets, without a cluster. */
class K8sRenderCommandTest {
  @TempDir
  Path tmp;

  /** A body the command never runs. */
  public static final class Noop implements StepBody {
    @Override
    public void run(StepContext ctx) {}
  }

  /** prep on local, train on the logical target {@code gpu}. */
  public static final class Trainer implements PipelineProvider {
    @Override
    public String name() {
      return "trainer";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("trainer").parameter("epochs", 10);
      p.prep("prep").runs(Noop.class);
      p.train("train").after("prep").uses("epochs").on("gpu").resources(r -> r.gpus(1).memory("4g"))
          .timeout(Duration.ofMinutes(5)).runs(Noop.class);
      return p;
    }
  }

  private static final String TRAINER = Trainer.class.getName();

  private Path config(String json) throws Exception {
    return Files.writeString(tmp.resolve("prod.json"), json);
  }

  @Test
  void printsTheJobOfEachStepOnAKubernetesTarget() throws Exception {
    Path config = config("""
        {"targets": {"gpu": {"type": "kubernetes", "image": "acme/trainer:2", "namespace": "ml",
                             "datastoreSecret": "ds-credentials", "gpus": 4}},
         "datastore": "azureblob://acct/ml/ws"}
        """);

    Invocation result = Invocation.of("k8s", "render", TRAINER, "--config", config.toString(), "--param",
        "epochs=3");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).startsWith("# Jobs that pipeline 'trainer' submits to its kubernetes targets (config "
        + config + "); RUN_ID and FINGERPRINT are filled in by each run.\n---\n# step 'train' on target 'gpu'; the"
        + " step runner reads its description from azureblob://acct/ml/ws runs/RUN_ID/train/1/attempt.json\n")
        .contains("kind: \"Job\"", "namespace: \"ml\"", "image: \"acme/trainer:2\"", "activeDeadlineSeconds: 300",
            "nvidia.com/gpu: \"1\"", "memory: \"4Gi\"", "name: \"ds-credentials\"",
            "pipewright.io/parameters: \"epochs=3\"")
        .doesNotContain("prep-");
    assertThat(result.out().split("\n---\n")).hasSize(2);
    assertThat(Invocation.of("k8s", "render", TRAINER, "--config", config.toString(), "--param", "epochs=3").out())
        .isEqualTo(result.out());
  }

  @Test
  void printsAKubernetesListWithJson() throws Exception {
    Path config = config("{\"targets\": {\"gpu\": {\"type\": \"kubernetes\", \"image\": \"acme/trainer:2\"}}}");

    Invocation result = Invocation.of("k8s", "render", TRAINER, "--config", config.toString(), "--json",
        "--datastore", "file:///shared/ds");

    assertThat(result.code()).as(result.err()).isZero();
    JsonNode list = result.json();
    assertThat(list.get("kind").asText()).isEqualTo("List");
    assertThat(list.get("items")).hasSize(1);
    assertThat(list.get("items").get(0).at("/spec/template/spec/containers/0/command").toString())
        .contains("\"--datastore\",\"file:///shared/ds\",\"runs/RUN_ID/train/1/attempt.json\"");
  }

  @Test
  void mistakesAreOneLineAndExitCode2() throws Exception {
    Invocation noConfig = Invocation.of("k8s", "render", TRAINER);
    assertThat(noConfig.code()).isEqualTo(2);
    assertThat(noConfig.err().strip())
        .endsWith("k8s render needs the config that binds the targets: give it with --config FILE");

    Path local = config("{\"targets\": {\"etl\": {\"type\": \"local\"}}}");
    Invocation none = Invocation.of("k8s", "render", TRAINER, "--config", local.toString());
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.errLines()).singleElement().asString().contains("pipeline 'trainer': no step runs on a"
        + " kubernetes target (steps use gpu, local; config " + local + " defines etl (local))");

    Path noImage = config("{\"targets\": {\"gpu\": {\"type\": \"kubernetes\"}}}");
    Invocation bad = Invocation.of("k8s", "render", TRAINER, "--config", noImage.toString());
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.errLines()).singleElement().asString().contains("targets.gpu.image: required");
  }
}
