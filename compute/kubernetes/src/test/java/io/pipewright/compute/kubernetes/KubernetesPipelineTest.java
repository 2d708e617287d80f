package io.pipewright.compute.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunStatus;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.StepException;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.spi.ComputeTargetSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline run end to end on the {@code kubernetes} target: a real workspace with a {@code file:} datastore, the
 * engine's remote step runner in Jobs that {@link ProcessCluster} runs as local JVMs sharing only the datastore (and
 * the Secret's keys, through {@code envFrom}) with the workspace; log lines and metrics come back through the pod's
 * log.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesPipelineTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir
  Path tmp;

  private ProcessCluster cluster;
  private Workspace ws;
  private Path raw;

  /** Counts rows, and says whether the Secret's key reached its environment. */
  public static final class Count implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      long rows = Files.readAllLines(ctx.input("raw")).size() - 1;
      Files.writeString(ctx.outputDir("counted").resolve("count.txt"), rows + " rows\n");
      ctx.log().info("counted {} rows", rows);
      ctx.metric("rows", rows);
      ctx.write("secretSeen", String.valueOf("s3cr3t".equals(System.getenv("DATASTORE_TOKEN"))));
    }
  }

  public static final class Fails implements StepBody {
    @Override
    public void run(StepContext ctx) {
      throw StepException.nonRetryable("bad data in row 7");
    }
  }

  @BeforeEach
  void open() throws Exception {
    raw = Files.writeString(tmp.resolve("rows.csv"), "x,y\n1,2\n3,4\n5,6\n");
    client.secrets().inNamespace(TestCluster.NAMESPACE).resource(new SecretBuilder().withNewMetadata()
        .withName("pipewright-datastore").endMetadata()
        .addToData("DATASTORE_TOKEN", java.util.Base64.getEncoder().encodeToString("s3cr3t".getBytes()))
        .build()).create();
    cluster = new ProcessCluster(server, client);
    KubernetesTarget target = new KubernetesTarget(KubernetesSettings.from(new ComputeTargetSettings("k8s",
        "kubernetes", Map.of("image", "acme/digits:1.4", "namespace", TestCluster.NAMESPACE,
            "datastoreSecret", "pipewright-datastore", "javaOptions", java.util.List.of("-Xshare:auto")))),
        client, false, Duration.ofMillis(100), false);
    ws = Workspace.builder(tmp.resolve("ws")).target("k8s", target)
        .datastore(tmp.resolve("datastore").toUri().toString()).open();
  }

  @AfterEach
  void close() {
    ws.close();
    cluster.close();
  }

  private Pipeline pipeline() {
    Pipeline p = Pipeline.named("rows");
    p.prep("count").on("k8s").input("raw", raw).produces("counted", Dataset.class)
        .produces("secretSeen", String.class).runs(Count.class);
    return p;
  }

  @Test
  void runsAPipelineStepAsAJobThatSharesOnlyTheDatastore() throws Exception {
    Run run = ws.submit(pipeline()).await();

    assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.SUCCEEDED);
    StepRun count = run.step("count");
    assertThat(count.computeTarget()).isEqualTo("k8s");
    assertThat(Path.of(count.outputs().get("counted")).resolve("count.txt")).hasContent("3 rows\n");
    assertThat(count.metrics()).containsEntry("rows", 3.0);
    assertThat(ws.runs().logs(run.id(), "count")).extracting(RunEvent.Log::message).contains("counted 3 rows");
    assertThat(Files.readString(Path.of(count.outputs().get("secretSeen")))).contains("\"true\"");
    assertThat(cluster.commands).singleElement().satisfies(c -> assertThat(c)
        .contains("io.pipewright.internal.engine.StepRunner", "--datastore"));

    Run again = ws.submit(pipeline()).await();
    assertThat(again.step("count").status()).isEqualTo(StepStatus.REUSED);
    assertThat(cluster.commands).hasSize(1);
  }

  @Test
  void aFailingBodyFailsTheStepWithItsMessage() {
    Pipeline p = Pipeline.named("fails");
    p.step("broken").on("k8s").produces("x", String.class).runs(Fails.class);

    Run run = ws.submit(p).await();

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.step("broken").error()).contains("bad data in row 7");
  }

}
