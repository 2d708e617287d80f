package io.pipewright.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Pipeline;
import io.pipewright.RetryPolicy;
import io.pipewright.Run;
import io.pipewright.RunEvent;
import io.pipewright.RunOptions;
import io.pipewright.RunStatus;
import io.pipewright.Step;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PipewrightExtension.class)
class ScriptTest {
  @TempDir
  Path dir;

  @Test
  void runsAPythonScriptWithItsPlaceholdersAndVariables(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "scale.py");
    Path raw = Files.writeString(dir.resolve("raw.csv"), "1\n2\n3\n");
    Pipeline p = Pipeline.named("scripts").parameter("factor", 3).parameter("unused", "x");
    p.prep("prep").input("raw", raw).produces("scaled", Dataset.class).uses("factor")
        .runs(Script.python("scale.py", "--raw", "{input:raw}", "--out={output:scaled}", "--factor",
            "{param:factor}").env("GREETING", "hello").sourceFolder(src));

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
    Path out = Path.of(run.step("prep").outputs().get("scaled"));
    assertThat(Files.readAllLines(out.resolve("scaled.csv"))).containsExactly("3", "6", "9");
    Map<String, String> facts = facts(out.resolve("facts.txt"));
    assertThat(facts).containsEntry("step", "prep").containsEntry("run", run.id()).containsEntry("attempt", "1")
        .containsEntry("param", "3").containsEntry("input", raw.toString()).containsEntry("output_matches", "True")
        .containsEntry("greeting", "hello").containsEntry("cwd_has_script", "True");
    // It ran in a snapshot of the source folder, which it could not change.
    assertThat(Path.of(facts.get("cwd"))).isNotEqualTo(src.toRealPath());
    assertThat(src.resolve("scratch.txt")).doesNotExist();
    assertThat(messages(ws, run, "prep")).contains("INFO scaled 3 numbers by 3");
  }

  @Test
  void takesValueOutputsAndMetricsFromJsonFilesAndPassesValueInputsAsJsonFiles(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "values.py", "report.py");
    Pipeline p = Pipeline.named("values");
    Step eval = p.evaluate("eval").produces("metrics", Metrics.class).produces("count", Long.class)
        .runs(Script.python("values.py", "{output:metrics}").sourceFolder(src)); // count: by $PW_OUTPUT_COUNT
    Step report = p.step("report").input("count", eval.value("count", Long.class))
        .input("m", eval.metrics("metrics")).produces("text", String.class)
        .runs(Script.python("report.py", "{input:count}", "{input:m}", "{output:text}").sourceFolder(src));
    p.step("check").input("text", report.value("text", String.class))
        .runs(ctx -> ctx.log().info("report: {}", ctx.value("text", String.class)));

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run.step("eval").metrics()).isEqualTo(Map.of("accuracy", 0.9, "f1", 0.8, "loss", 0.25));
    assertThat(messages(ws, run, "check")).containsExactly("INFO report: count=42 accuracy=0.9");
  }

  @Test
  void streamsStdoutAtInfoAndStderrAtWarnWhileTheScriptRuns(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "chatty.sh");
    Path go = dir.resolve("go");
    Pipeline p = Pipeline.named("chatty");
    p.step("talk").runs(Script.bash("chatty.sh").env("GO_FILE", go.toString()).sourceFolder(src));
    RunOptions options = RunOptions.defaults().listener(event -> {
      if (event instanceof RunEvent.Log log && log.message().equals("ready")) {
        try {
          Files.writeString(go, "go"); // the script waits for this: its line was logged before it ended
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    });

    Run run = ws.submit(p, options).await();

    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(messages(ws, run, "talk")).contains("INFO ready", "WARN a warning", "INFO saw go");
  }

  @Test
  void failsWithOneLineEndingInTheLastErrorLineAndRetries(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "fail.py");
    Pipeline p = Pipeline.named("failing");
    p.prep("prep").retry(RetryPolicy.retries(1).withBackoff(Duration.ZERO))
        .runs(Script.python("fail.py").sourceFolder(src));

    Run run = ws.submit(p).await();

    StepRun step = run.step("prep");
    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.attempts()).isEqualTo(2);
    assertThat(step.error()).isEqualTo("step 'prep': python3 fail.py exited with status 1: ValueError: bad row 3");
    assertThat(step.errorTrace()).contains("--- stdout\nworking on rows", "careful: row 3 looks odd",
        "Traceback (most recent call last)");
    assertThat(messages(ws, run, "prep")).contains("INFO working on rows", "WARN ValueError: bad row 3");
  }

  @Test
  void failsWithoutStartingOrRetryingWhenTheScriptIsMissing(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "silent.sh");
    Pipeline p = Pipeline.named("missing");
    p.prep("prep").retries(2).runs(Script.python("nope.py").sourceFolder(src));

    StepRun step = ws.submit(p).await().step("prep");

    assertThat(step.attempts()).isEqualTo(1);
    assertThat(step.error()).isEqualTo("step 'prep': script nope.py not found in the source folder " + src
        + " (it holds silent.sh)");
  }

  @Test
  void failsWithoutStartingWhenTheProgramIsNotOnThePath(Workspace ws) {
    Pipeline p = Pipeline.named("missing");
    p.prep("prep").retries(2).runs(Script.command("no-such-tool-4711", "x").env("PATH", "/nowhere:/also/not"));

    StepRun step = ws.submit(p).await().step("prep");

    assertThat(step.attempts()).isEqualTo(1);
    assertThat(step.error()).isEqualTo("step 'prep': no-such-tool-4711 not found on PATH (/nowhere:/also/not)");
  }

  @Test
  void failsWhenTheInterpreterIsNotOnThePath(Workspace ws) throws IOException {
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("prep.py"), "print('never')\n");
    Pipeline p = Pipeline.named("missing");
    p.prep("prep").runs(Script.python("prep.py").env("PATH", "/nowhere").sourceFolder(src));

    StepRun step = ws.submit(p).await().step("prep");

    assertThat(step.error()).isEqualTo("step 'prep': python3 not found on PATH (/nowhere) -- install it, or run the"
        + " script with Script.command and the interpreter's path");
  }

  @Test
  void failsForAPythonScriptWithoutSourceFolder(Workspace ws) {
    Pipeline p = Pipeline.named("nofolder");
    p.prep("prep").runs(Script.python("prep.py"));

    StepRun step = ws.submit(p).await().step("prep");

    assertThat(step.error()).isEqualTo("step 'prep': python3 prep.py has no source folder -- give the Script"
        + " .sourceFolder(dir), the folder that holds prep.py");
  }

  @Test
  void runsAnExecutableFromTheSourceFolder(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "tool.sh");
    Files.setPosixFilePermissions(src.resolve("tool.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Pipeline p = Pipeline.named("tool").parameter("word", "hi");
    p.prep("prep").uses("word").produces("out", Dataset.class)
        .runs(Script.command("./tool.sh", "{param:word}").sourceFolder(src)); // writes to $PW_OUTPUT_OUT

    Run run = ws.submit(p).await();

    assertThat(run.status()).as(String.valueOf(run)).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(Path.of(run.step("prep").outputs().get("out")).resolve("said.txt")).hasContent("hi");
    assertThat(messages(ws, run, "prep")).contains("INFO tool says hi");
  }

  @Test
  void failsWhenAnExecutableInTheSourceFolderIsNotExecutable(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "tool.sh");
    Files.setPosixFilePermissions(src.resolve("tool.sh"), PosixFilePermissions.fromString("rw-r--r--"));
    Pipeline p = Pipeline.named("tool");
    p.prep("prep").runs(Script.command("tool.sh").sourceFolder(src));

    StepRun step = ws.submit(p).await().step("prep");

    assertThat(step.error()).isEqualTo("step 'prep': tool.sh in the source folder is not executable -- chmod +x it,"
        + " or run it with Script.bash or Script.python");
  }

  @Test
  void failsBeforeStartingForAPlaceholderNamingNoInputOrOutputOrAPartition(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "tool.sh");
    Path raw = Files.writeString(dir.resolve("raw.csv"), "1\n");
    Pipeline p = Pipeline.named("names");
    p.prep("in").input("raw", raw).runs(Script.bash("tool.sh", "--raw", "{input:rwa}").sourceFolder(src));
    p.prep("out").produces("train", Dataset.class).produces("test", Dataset.class)
        .runs(Script.bash("tool.sh", "{output:trian}").sourceFolder(src));
    p.prep("part").input("raw", raw).runs(Script.bash("tool.sh", "{input:raw}", "--name={partition:name}")
        .sourceFolder(src));

    Run run = ws.submit(p).await();

    assertThat(run.step("in").error()).isEqualTo("step 'in': placeholder {input:rwa} in argument 2 names no input"
        + " of the step (inputs: raw)");
    assertThat(run.step("out").error()).isEqualTo("step 'out': placeholder {output:trian} in argument 1 names no"
        + " output of the step (outputs: train, test)");
    assertThat(run.step("part").error()).isEqualTo("step 'part': placeholder {partition:name} in argument 2 is for"
        + " a script run per partition -- run it with Parallel.over(input).into(output).apply(script)");
    for (String step : List.of("in", "out", "part")) {
      assertThat(messages(ws, run, step)).as(step).isEmpty(); // the script never started
    }
  }

  @Test
  void failsWithTheParameterMessageForAParameterTheStepDoesNotUse(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "silent.sh");
    Pipeline p = Pipeline.named("params").parameter("epochs", 3);
    p.train("train").runs(Script.bash("silent.sh", "{param:epochs}").sourceFolder(src));

    StepRun step = ws.submit(p).await().step("train");

    assertThat(step.error()).isEqualTo("step 'train' reads parameter 'epochs' without declaring it: add"
        + " .uses(\"epochs\") to the step, so that changing it re-runs the step");
  }

  @Test
  void failsNamingTheOutputAndWhereToWriteItWhenTheScriptDidNotWriteIt(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "silent.sh");
    Pipeline p = Pipeline.named("lazy");
    p.prep("files").produces("train", Dataset.class)
        .runs(Script.bash("silent.sh", "{output:train}").sourceFolder(src));
    p.evaluate("value").runs(Script.bash("silent.sh").sourceFolder(src)); // its default output, named nowhere

    Run run = ws.submit(p).await();

    assertThat(run.step("files").error()).isEqualTo("step 'files': bash silent.sh exited with status 0 without"
        + " writing output 'train' -- write its files into the folder that {output:train} and $PW_OUTPUT_TRAIN name");
    assertThat(run.step("value").error()).isEqualTo("step 'value': bash silent.sh exited with status 0 without"
        + " writing output 'metrics' -- write its value as JSON to the file that {output:metrics} and"
        + " $PW_OUTPUT_METRICS name");
  }

  @Test
  void failsForAValueOrMetricsFileThatIsNotWhatWasDeclared(Workspace ws) {
    String write = "printf '%s' \"$1\" > \"$0\"";
    Pipeline p = Pipeline.named("badvalues");
    p.evaluate("json").runs(Script.command("bash", "-c", write, "{output:metrics}", "{\"acc\": 0.9"));
    p.step("type").produces("count", Long.class)
        .runs(Script.command("bash", "-c", write, "{output:count}", "\"many\""));
    p.step("metrics").runs(Script.command("bash", "-c", "echo '{\"acc\": \"high\"}' > \"$PW_METRICS_FILE\""));

    Run run = ws.submit(p).await();

    assertThat(run.step("json").error()).startsWith("step 'json': output 'metrics' is not valid JSON: Unexpected end");
    assertThat(run.step("type").error())
        .isEqualTo("step 'type' output 'count' is declared Long but was written String \"many\"");
    assertThat(run.step("metrics").error()).isEqualTo("step 'metrics': $PW_METRICS_FILE must hold a JSON object of"
        + " numbers, but 'acc' is \"high\"");
  }

  @Test
  void keepsNothingOfAFailedAttemptAndRunsAgainAfterAFailure(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "flaky.sh");
    Pipeline p = Pipeline.named("flaky");
    p.prep("prep").produces("parts", Dataset.class)
        .runs(Script.bash("flaky.sh", "{output:parts}").env("MARKER", dir.resolve("marker").toString())
            .sourceFolder(src));

    Run first = ws.submit(p).await();
    Run second = ws.submit(p).await();

    assertThat(first.step("prep").status()).isEqualTo(StepStatus.FAILED);
    assertThat(first.step("prep").error()).isEqualTo("step 'prep': bash flaky.sh exited with status 3: disk"
        + " full, pretend");
    assertThat(first.step("prep").outputs()).isEmpty();
    assertThat(second.step("prep").status()).isEqualTo(StepStatus.SUCCEEDED);
    Path parts = Path.of(second.step("prep").outputs().get("parts"));
    try (var files = Files.list(parts)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("part-1.csv");
    }
  }

  // ------------------------------------------------------------------ helpers, also for the other Script tests

  /** A source folder holding copies of the named test scripts. */
  static Path source(Path folder, String... scripts) throws IOException {
    Files.createDirectories(folder);
    for (String script : scripts) {
      try (InputStream in = ScriptTest.class.getResourceAsStream("/scripts/" + script)) {
        assertThat(in).as("test script " + script).isNotNull();
        Files.copy(in, folder.resolve(script));
      }
    }
    return folder;
  }

  /** A step's log lines as "LEVEL message". */
  static List<String> messages(Workspace ws, Run run, String step) {
    return ws.runs().logs(run.id(), step).stream().map(l -> l.level() + " " + l.message()).toList();
  }

  private static Map<String, String> facts(Path file) throws IOException {
    Map<String, String> facts = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      facts.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return facts;
  }
}
