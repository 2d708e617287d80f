package io.pipewright.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Dataset;
import io.pipewright.Model;
import io.pipewright.Pipeline;
import io.pipewright.Step;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.UserException;
import io.pipewright.WorkspaceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rendered manifests against golden files in {@code src/test/resources/golden}: a change of what Jobs look like must
 * be a deliberate one. Run with {@code -Dgolden.update=true} to rewrite them (then review the diff).
 */
class KubernetesManifestsTest {
  static final String CONFIG = """
      {"targets": {
         "gpu": {"type": "kubernetes", "image": "acme/digits:1.4", "namespace": "ml",
                 "serviceAccount": "pipewright-runner", "imagePullSecrets": ["registry"],
                 "nodeSelector": {"gpu": "h100", "accelerator": "nvidia"},
                 "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                 "datastoreSecret": "pipewright-datastore", "env": {"LOG_LEVEL": "info"},
                 "javaOptions": ["-XX:MaxRAMPercentage=80"], "ttlSecondsAfterFinished": 3600, "gpus": 8},
         "etl": {"type": "local", "threads": 2}},
       "datastore": "azureblob://acct/ml/ws"}
      """;

  /** A body for the example steps; rendering never runs it. */
  public static final class Noop implements StepBody {
    @Override
    public void run(StepContext ctx) {}
  }

  static Pipeline digits() {
    Pipeline p = Pipeline.named("digits").parameter("epochs", 10).parameter("seed", 42);
    Step prep = p.prep("prep").input("raw", Path.of("digits.csv.gz")).produces("train", Dataset.class)
        .uses("seed").on("etl").runs(Noop.class);
    Step train = p.train("train").input("data", prep.dataset("train")).produces("model", Model.class)
        .uses("epochs", "seed").on("gpu").resources(r -> r.cpus(4).memory("8g").gpus(1))
        .timeout(Duration.ofMinutes(30)).runs(Noop.class);
    p.evaluate("evaluate").input("model", train.model("model")).on("gpu").runs(Noop.class);
    return p;
  }

  @Test
  void rendersTheJobsOfTheStepsOnKubernetesTargets() throws Exception {
    String yaml = KubernetesManifests.render(digits(), WorkspaceConfig.parse(CONFIG, "prod.json"),
        Map.of("epochs", "30"));

    assertGolden("golden/digits-jobs.yaml", yaml);
    assertThat(yaml).doesNotContain("name: \"digits-prep");
  }

  @Test
  void isDeterministic() {
    WorkspaceConfig config = WorkspaceConfig.parse(CONFIG, "prod.json");
    assertThat(KubernetesManifests.render(digits(), config, Map.of()))
        .isEqualTo(KubernetesManifests.render(digits(), config, Map.of()));
  }

  @Test
  void withoutADatastoreOrNamespaceTheManifestSaysSoAndLeavesTheNamespaceToKubectl() throws Exception {
    WorkspaceConfig config = WorkspaceConfig.parse("""
        {"targets": {"k8s": {"type": "kubernetes", "image": "acme/digits:1.4"}}}
        """, "minimal.json");
    Pipeline p = Pipeline.named("one");
    p.step("only").on("k8s").runs(Noop.class);

    assertGolden("golden/minimal-job.yaml", KubernetesManifests.render(p, config, Map.of()));
  }

  @Test
  void aPipelineWithoutStepsOnKubernetesIsAnErrorNamingWhatThereIs() {
    WorkspaceConfig config = WorkspaceConfig.parse("{\"targets\": {\"etl\": {\"type\": \"local\"}}}", "dev.json");

    assertThatThrownBy(() -> KubernetesManifests.render(digits(), config, Map.of()))
        .isInstanceOf(UserException.class)
        .hasMessage("pipeline 'digits': no step runs on a kubernetes target (steps use etl, gpu; config dev.json"
            + " defines etl (local)) -- bind a target name to {\"type\": \"kubernetes\", ...} in the config");
  }

  @Test
  void refusesUnknownAndMalformedParameters() {
    WorkspaceConfig config = WorkspaceConfig.parse(CONFIG, "prod.json");

    assertThatThrownBy(() -> KubernetesManifests.render(digits(), config, Map.of("epoch", "3")))
        .isInstanceOf(UserException.class)
        .hasMessage("pipeline 'digits' has no parameter 'epoch' (parameters: epochs, seed)");
    assertThatThrownBy(() -> KubernetesManifests.render(digits(), config, Map.of("epochs", "many")))
        .isInstanceOf(UserException.class).hasMessage("parameter 'epochs': expected an integer, got 'many'");
  }

  static void assertGolden(String resource, String actual) throws IOException {
    if (Boolean.getBoolean("golden.update")) {
      Path file = Path.of("src/test/resources", resource);
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
      return;
    }
    try (InputStream in = KubernetesManifestsTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("golden file " + resource + " (create it with -Dgolden.update=true)").isNotNull();
      assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
