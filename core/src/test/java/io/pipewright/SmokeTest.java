package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void runsTwoSteps() throws Exception {
    try (Workspace ws = Workspace.temporary()) {
      Pipeline p = Pipeline.named("smoke").parameter("n", 3);
      Step a = p.prep("a").produces("out", Dataset.class).uses("n").runs(ctx -> {
        Files.writeString(ctx.outputDir("out").resolve("x.txt"), "n=" + ctx.intParam("n"));
        ctx.log().info("wrote {}", "x");
      });
      p.evaluate("b").input("in", a.dataset("out")).produces("m", Metrics.class).runs(ctx -> {
        ctx.write("m", Metrics.of("size", ctx.dataset("in").size()));
      });
      Run run = ws.submit(p).await();
      System.out.println(run);
      System.out.println(p);
      assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.step("b").metrics()).containsEntry("size", 3.0);
      Run stored = ws.runs().get(run.id().substring(0, 6));
      assertThat(stored.step("b").metrics()).containsEntry("size", 3.0);
      assertThat(stored.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ws.runs().logs(run.id(), "a")).extracting(RunEvent.Log::message).containsExactly("wrote x");
    }
  }
}
