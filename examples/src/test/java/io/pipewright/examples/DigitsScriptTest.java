package io.pipewright.examples;

import static io.pipewright.testing.PipewrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunOptions;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import io.pipewright.testing.TestWorkspace;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** digits-script: the digits pipeline with its prep step in Python, through the script step. */
@ExtendWith(PipewrightExtension.class)
class DigitsScriptTest {
  @TempDir
  Path dir;

  private static Path output(Run run, String step, String output) {
    return Path.of(run.step(step).outputs().get(output));
  }

  @Test
  void runsEndToEndWithThePythonPrepAndReachesTheAccuracyBar(TestWorkspace ws) throws IOException {
    Run run = ws.run(Digits.withScriptPrep());

    assertThat(run).succeeded().step("evaluate").metric("accuracy").isGreaterThanOrEqualTo(0.90);
    assertThat(run.pipeline()).isEqualTo("digits-script");
    assertThat(run).step("deploy").ran();
    List<String> train = Files.readAllLines(output(run, "prep", "train").resolve("train.csv"));
    List<String> test = Files.readAllLines(output(run, "prep", "test").resolve("test.csv"));
    assertThat(train.size() + test.size()).isEqualTo(1797);
    assertThat(test).hasSize(359).allSatisfy(row -> assertThat(row.split(",")).hasSize(65));
    assertThat(ws.workspace().runs().logs(run.id(), "prep")).extracting(RunEvent.Log::message)
        .contains("scaled 1797 rows: 1438 to train, 359 to test (seed 42)");
  }

  @Test
  void thePythonPrepIsDeterministicAndReusedAndOnlyTrainingRerunsForAHyperParameter(Workspace ws)
      throws IOException {
    Run first = ws.submit(Digits.withScriptPrep(), RunOptions.defaults().reuse(false)).await();
    Run second = ws.submit(Digits.withScriptPrep(), RunOptions.defaults().reuse(false)).await();
    Run epochs = ws.submit(Digits.withScriptPrep(), Map.of("epochs", 5)).await();

    for (String output : List.of("train", "test")) {
      assertThat(Files.readAllBytes(output(second, "prep", output).resolve(output + ".csv")))
          .isEqualTo(Files.readAllBytes(output(first, "prep", output).resolve(output + ".csv")));
    }
    assertThat(second.step("evaluate").metrics()).isEqualTo(first.step("evaluate").metrics());
    assertThat(epochs.steps()).extracting(StepRun::name).containsExactly("prep", "train", "evaluate", "deploy");
    assertThat(epochs).succeeded().reused("prep").ran("train", "evaluate", "deploy");
  }

  @Test
  void aMalformedRowFailsThePythonPrepWithTheFileAndLine(Workspace ws) throws IOException {
    String good = String.join(",", Collections.nCopies(64, "3"));
    Path data = dir.resolve("digits.csv.gz");
    try (Writer out = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(data)),
        StandardCharsets.UTF_8)) {
      out.write(good + ",1\n" + good + ",1\n" + good + ",x\n");
    }

    Run run = ws.submit(Digits.withScriptPrep(data)).await();

    assertThat(run).failed().step("prep").failedWith(":3: the label is 'x', not a digit 0-9");
    assertThat(run.step("prep").error()).isEqualTo("step 'prep': python3 prep.py exited with status 2: " + data
        + ":3: the label is 'x', not a digit 0-9");
    assertThat(run.step("prep").outputs()).isEmpty();
    assertThat(run.steps()).extracting(StepRun::status).containsExactly(StepStatus.FAILED, StepStatus.SKIPPED,
        StepStatus.SKIPPED, StepStatus.SKIPPED);
  }

  @Test
  void isAValidPipelineNamedDigitsScript() {
    Pipeline pipeline = new DigitsScriptProvider().pipeline();

    assertThat(pipeline.name()).isEqualTo("digits-script");
    assertThat(pipeline.validate()).isEmpty();
    assertThat(pipeline.steps()).extracting(s -> s.name()).containsExactly("prep", "train", "evaluate", "deploy");
    assertThat(pipeline).isValid().hasSteps("prep", "train", "evaluate", "deploy").hasEdge("prep", "train");
  }
}
