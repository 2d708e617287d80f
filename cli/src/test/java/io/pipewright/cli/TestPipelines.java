package io.pipewright.cli;

import io.pipewright.ModelOptions;
import io.pipewright.ParameterType;
import io.pipewright.Pipeline;
import io.pipewright.RetryPolicy;
import io.pipewright.Step;
import io.pipewright.StepException;
import io.pipewright.StepKind;
import io.pipewright.spi.PipelineProvider;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Tiny pipelines for the command line's tests; all but {@link Hidden} are registered in META-INF/services. */
public final class TestPipelines {
  private TestPipelines() {}

  /** Two steps: {@code count} writes the {@code times} parameter, {@code score} multiplies it by {@code scale}. */
  public static final class Greet implements PipelineProvider {
    @Override
    public String name() {
      return "greet";
    }

    @Override
    public String description() {
      return "counts, then scores the count";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("greet").parameter("times", 2).parameter("scale", 1.5);
      Step count = p.prep("count").uses("times").produces("n", Long.class).runs(ctx -> {
        long times = ctx.longParam("times");
        ctx.log().info("counting to {}", times);
        ctx.write("n", times);
        ctx.metric("times", times);
      });
      p.step("score", StepKind.TRAIN).input("n", count.value("n", Long.class)).uses("scale").runs(ctx -> {
        double score = ctx.value("n", Long.class) * ctx.doubleParam("scale");
        ctx.log().info("scored {}", score);
        ctx.metric("score", score);
      });
      return p;
    }
  }

  /**
   * Counts the lines of the registered dataset its {@code data} parameter names (default {@code lines}) and registers
   * the count as model {@code counter}.
   */
  public static final class Counter implements PipelineProvider {
    @Override
    public String name() {
      return "counter";
    }

    @Override
    public String description() {
      return "counts a dataset's lines, registers the count";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("counter").parameter("data", ParameterType.DATASET, "lines");
      Step count = p.prep("count").input("raw", p.datasetParameter("data")).produces("n", Long.class)
          .runs(ctx -> ctx.write("n", (long) Files.readAllLines(ctx.dataset("raw").singleFile()).size()));
      Step train = p.train("train").input("n", count.value("n", Long.class))
          .runs(ctx -> Files.writeString(ctx.outputDir("model").resolve("model.txt"), "n=" + ctx.value("n",
              Long.class)));
      p.deploy("deploy").input("model", train.model())
          .runs(ctx -> ctx.registerModel("counter", "model", ModelOptions.defaults().framework("plain")
              .metric("size", Files.size(ctx.model("model").file("model.txt")))));
      return p;
    }
  }

  /** {@code ok} succeeds, {@code boom} fails, {@code after} (downstream of boom) is skipped. */
  public static final class Broken implements PipelineProvider {
    @Override
    public String name() {
      return "broken";
    }

    @Override
    public String description() {
      return "a step that fails";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("broken");
      Step ok = p.prep("ok").produces("rows", Long.class).runs(ctx -> ctx.write("rows", 3L));
      Step boom = p.train("boom").input("rows", ok.value("rows", Long.class)).produces("model", Long.class)
          .runs(ctx -> {
            throw StepException.nonRetryable("the data is bad");
          });
      p.step("after", StepKind.EVALUATE).input("model", boom.value("model", Long.class)).runs(ctx -> { });
      return p;
    }
  }

  /** {@code fails} fails after a moment while {@code long} would run for a minute: for --fail-fast. */
  public static final class Racing implements PipelineProvider {
    @Override
    public String name() {
      return "racing";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("racing");
      p.step("long").runs(ctx -> Thread.sleep(60_000));
      p.step("fails").runs(ctx -> {
        Thread.sleep(200);
        throw new IllegalStateException("lost the race");
      });
      return p;
    }
  }

  /** {@code wobbly} fails its first attempt and succeeds on the retry. */
  public static final class Flaky implements PipelineProvider {
    @Override
    public String name() {
      return "flaky";
    }

    @Override
    public Pipeline pipeline() {
      AtomicInteger attempts = new AtomicInteger();
      Pipeline p = Pipeline.named("flaky");
      p.step("wobbly").retry(RetryPolicy.retries(1).withBackoff(Duration.ofMillis(10))).runs(ctx -> {
        if (attempts.incrementAndGet() == 1) {
          throw new IllegalStateException("first try wobbles");
        }
        ctx.metric("attempt", ctx.attempt());
      });
      return p;
    }
  }

  /** One step that sleeps for a minute unless interrupted: for cancelling a run. */
  public static final class Slow implements PipelineProvider {
    @Override
    public String name() {
      return "slow";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("slow");
      p.step("wait").runs(ctx -> Thread.sleep(60_000));
      return p;
    }
  }

  /** Eight independent steps reporting many metrics at once: for the thread-safety of the live lines. */
  public static final class Wide implements PipelineProvider {
    static final int STEPS = 8;

    @Override
    public String name() {
      return "wide";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("wide");
      for (int i = 0; i < STEPS; i++) {
        p.step("part" + i).runs(ctx -> {
          for (int m = 0; m < 50; m++) {
            ctx.metric("m" + m, m);
          }
        });
      }
      return p;
    }
  }

  /** Its definition throws: a bug in a pipeline's code. */
  public static final class Exploding implements PipelineProvider {
    @Override
    public String name() {
      return "exploding";
    }

    @Override
    public Pipeline pipeline() {
      throw new IllegalStateException("kaboom");
    }
  }

  /** Not registered: reachable by its class name only. */
  public static final class Hidden implements PipelineProvider {
    @Override
    public String name() {
      return "hidden";
    }

    @Override
    public Pipeline pipeline() {
      Pipeline p = Pipeline.named("hidden");
      p.step("only").runs(ctx -> ctx.metric("answer", 42));
      return p;
    }
  }
}
