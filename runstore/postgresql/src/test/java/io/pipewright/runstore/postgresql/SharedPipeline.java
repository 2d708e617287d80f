package io.pipewright.runstore.postgresql;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.Workspace;
import java.nio.file.Path;

/**
 * A small pipeline, and a main that runs it in a workspace with a shared store: {@code DIR URL}; it prints each step
 * as {@code STEP STATUS REUSED_FROM} and the run as {@code run ID STATUS}. Run as a separate process by the tests.
 */
public final class SharedPipeline {
  private SharedPipeline() {}

  static Pipeline pipeline() {
    Pipeline p = Pipeline.named("shared").parameter("n", 21);
    p.prep("prepare").uses("n").produces("value", Long.class).runs(ctx -> ctx.write("value", ctx.longParam("n")));
    // No outputs, only a metric: reusable wherever the store is shared, whatever the datastore has.
    p.step("score").uses("n").runs(ctx -> {
      Thread.sleep(300); // long enough for two processes started together to meet on the lock
      ctx.metric("score", ctx.longParam("n") * 2.0);
    });
    return p;
  }

  public static void main(String[] args) throws Exception {
    try (Workspace ws = Workspace.builder(Path.of(args[0])).store(args[1]).open()) {
      Run run = ws.submit(pipeline()).await();
      run.steps().forEach(s -> System.out.println(s.name() + " " + s.status() + " " + s.reusedFrom()
          + (s.error() == null ? "" : " " + s.error())));
      System.out.println("run " + run.id() + " " + run.status());
    }
  }
}
