package io.pipewright.examples;

import static io.pipewright.testing.PipewrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import io.pipewright.Run;
import io.pipewright.StepBody;
import io.pipewright.StepContext;
import io.pipewright.testing.PipewrightExtension;
import io.pipewright.testing.StandIn;
import io.pipewright.testing.TestWorkspace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.optimisers.AdaGrad;

/** The digits pipeline tested with the test kit, as docs/testing.md shows it. */
@ExtendWith(PipewrightExtension.class)
class DigitsPipelineTest {

  /** A stand-in for train: one pass over two rows of each digit, quick and far from accurate. */
  public static final class TinyModel implements StepBody {
    @Override
    public void run(StepContext ctx) throws IOException {
      MutableDataset<Label> all = LabelledRows.read(ctx.dataset("train").singleFile()).toTribuo("tiny");
      MutableDataset<Label> few = new MutableDataset<>(all.getProvenance(), all.getOutputFactory());
      Map<String, Integer> taken = new HashMap<>();
      for (Example<Label> row : all) {
        if (taken.merge(row.getOutput().getLabel(), 1, Integer::sum) <= 2) {
          few.add(row);
        }
      }
      var trainer = new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(1.0, 0.1), 1, -1, 1, 1L);
      TribuoModelFile.write(trainer.train(few), ctx.outputDir("model"));
    }
  }

  @Test
  void hasTheFourStepsOfAnMlWorkflow() {
    assertThat(Digits.pipeline()).isValid()
        .hasSteps("prep", "train", "evaluate", "deploy")
        .hasEdge("prep", "train").hasEdge("train", "evaluate").hasEdge("evaluate", "deploy");
  }

  @Test
  void releasesAnAccurateModel(TestWorkspace ws) {
    Run run = ws.run(Digits.pipeline());

    assertThat(run).succeeded()
        .step("evaluate").metric("accuracy").isGreaterThan(0.95);
    assertThat(run).step("deploy").ran()
        .outputValue("release").asInstanceOf(MAP)
        .containsEntry("registeredAs", "digits");
  }

  @Test
  void evaluatesButDoesNotReleaseAWeakModel(TestWorkspace ws) {
    Run run = ws.run(Digits.pipeline(), StandIn.replace("train", TinyModel.class));

    assertThat(run).succeeded()
        .step("train").ran()
        .step("evaluate").metric("accuracy").isLessThan(0.9);
    assertThat(run).step("deploy").wasSkippedBecause("condition not met: accuracy 0.");
    assertThat(ws.workspace().models().list()).isEmpty();
  }

  @Test
  void retrainsButReusesTheSplitWhenATrainingParameterChanges(TestWorkspace ws) {
    Run first = ws.run(Digits.pipeline());
    Run second = ws.run(Digits.pipeline(), Map.of("epochs", 5));

    assertThat(second).succeeded()
        .reused("prep").ran("train", "evaluate", "deploy")
        .step("prep").wasReusedFrom(first);
  }

  @Test
  void evaluatesAModelOnItsOwn(TestWorkspace ws) {
    Run full = ws.run(Digits.pipeline());
    Path model = Path.of(full.step("train").outputs().get("model"));
    Path test = Path.of(full.step("prep").outputs().get("test")).resolve("test.csv");

    Run alone = ws.step(Digits.pipeline(), "evaluate").input("model", model).input("test", test).run();

    assertThat(alone).succeeded()
        .step("evaluate").metric("accuracy").isEqualTo(full.step("evaluate").metrics().get("accuracy"));
  }
}
