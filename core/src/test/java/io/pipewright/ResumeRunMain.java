package io.pipewright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run by {@link ResumeTest} in a JVM of its own: opens the workspace given as the first argument and runs {@link
 * #pipeline()}, whose {@code report} step writes half of its file, logs "half written" and waits for the gate file
 * (the second argument) before writing the rest, so that the test can kill the process mid-write.
 */
public final class ResumeRunMain {
  static final String FIRST_HALF = "first half\n";
  static final String SECOND_HALF = "second half\n";

  /** How often each step's body ran in this JVM, by step. */
  static final Map<String, AtomicInteger> EXECUTIONS = new java.util.concurrent.ConcurrentHashMap<>();

  private ResumeRunMain() {}

  public static void main(String[] args) {
    try (Workspace ws = Workspace.builder(Path.of(args[0])).localThreads(2).open()) {
      RunHandle handle = ws.submit(pipeline(), Map.of("gate", args[1]));
      System.out.println("submitted " + handle.id());
      System.out.flush();
      System.out.println(handle.await());
    }
  }

  /** prep -> square -> report (waits for the gate) -> count. */
  static Pipeline pipeline() {
    Pipeline p = Pipeline.named("resumable").parameter("gate", "");
    Step prep = p.prep("prep").produces("rows", Dataset.class).runs(Prep.class);
    Step square = p.step("square").input("rows", prep.dataset("rows")).produces("squares", Dataset.class)
        .runs(Square.class);
    Step report = p.step("report").input("squares", square.dataset("squares")).uses("gate")
        .produces("report", Dataset.class).runs(Report.class);
    p.step("count").input("report", report.dataset("report")).produces("lines", Long.class).runs(Count.class);
    return p;
  }

  static int executions(String step) {
    return EXECUTIONS.getOrDefault(step, new AtomicInteger()).get();
  }

  private static void count(StepContext ctx) {
    EXECUTIONS.computeIfAbsent(ctx.stepName(), k -> new AtomicInteger()).incrementAndGet();
  }

  public static final class Prep implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      Files.writeString(ctx.outputDir("rows").resolve("rows.csv"), "1\n2\n3\n");
    }
  }

  public static final class Square implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      StringBuilder squares = new StringBuilder();
      for (String row : Files.readAllLines(ctx.dataset("rows").file("rows.csv"))) {
        squares.append(Integer.parseInt(row) * Integer.parseInt(row)).append('\n');
      }
      Files.writeString(ctx.outputDir("squares").resolve("squares.csv"), squares);
    }
  }

  /** Writes the first half, then waits up to two minutes for the gate file before writing the second. */
  public static final class Report implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      Path file = ctx.outputDir("report").resolve("report.txt");
      Files.writeString(file, FIRST_HALF);
      ctx.log().info("half written");
      Path gate = Path.of(ctx.stringParam("gate"));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (!Files.exists(gate) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Files.writeString(file, FIRST_HALF + SECOND_HALF);
    }
  }

  public static final class Count implements StepBody {
    @Override
    public void run(StepContext ctx) throws Exception {
      count(ctx);
      ctx.write("lines", (long) Files.readAllLines(ctx.dataset("report").file("report.txt")).size());
    }
  }
}
