package io.pipewright;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by {@link ProcessExitTest} in a JVM of its own: opens the workspace given as the argument and runs a pipeline
 * whose first step writes part of its output, logs "sleeping" and sleeps, so that the test can stop the process
 * while the run is RUNNING.
 */
public final class SleepingRunMain {
  private SleepingRunMain() {}

  public static void main(String[] args) {
    Pipeline p = Pipeline.named("sleepy");
    Step sleeper = p.step("sleeper").produces("out", Dataset.class).runs(ctx -> {
      Files.writeString(ctx.outputDir("out").resolve("part.csv"), "half of it");
      ctx.log().info("sleeping");
      Thread.sleep(120_000);
    });
    p.step("after").input("in", sleeper.dataset("out")).runs(ctx -> {});
    try (Workspace ws = Workspace.builder(Path.of(args[0])).localThreads(2).open()) {
      RunHandle handle = ws.submit(p);
      System.out.println("submitted " + handle.id());
      System.out.flush();
      System.out.println(handle.await());
    }
  }
}
