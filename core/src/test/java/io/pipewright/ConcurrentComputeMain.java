package io.pipewright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Run by {@link ConcurrentComputeTest} in JVMs of their own: runs a pipeline whose one step records that it ran (a
 * line appended to the file given as the second argument), then takes a while, in the workspace given as the first.
 * Prints the step's status and exits.
 */
public final class ConcurrentComputeMain {
  private ConcurrentComputeMain() {}

  /** Slow, and says each time it runs. Stateless, so that its executions are reusable. */
  public static final class Slow implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      Files.writeString(Path.of(ctx.stringParam("ledger")), "ran\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Thread.sleep(1500);
      Files.writeString(ctx.outputDir("out").resolve("result.txt"), "42");
    }
  }

  static Pipeline pipeline(Path ledger) {
    Pipeline p = Pipeline.named("slow").parameter("ledger", ledger.toString());
    p.step("slow").produces("out", Dataset.class).uses("ledger").runs(Slow.class);
    return p;
  }

  public static void main(String[] args) {
    try (Workspace ws = Workspace.open(Path.of(args[0]))) {
      Run run = ws.submit(pipeline(Path.of(args[1]))).await();
      System.out.println(run.step("slow").status());
    }
  }
}
