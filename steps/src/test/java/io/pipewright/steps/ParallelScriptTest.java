package io.pipewright.steps;

import static io.pipewright.steps.ParallelTest.folder;
import static io.pipewright.steps.ParallelTest.logs;
import static io.pipewright.steps.ParallelTest.output;
import static io.pipewright.steps.ParallelTest.pipeline;
import static io.pipewright.steps.ParallelTest.tree;
import static io.pipewright.steps.ScriptTest.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.Dataset;
import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.Workspace;
import io.pipewright.testing.PipewrightExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A script run once per partition: real processes, gathered, reused per partition, reported and stopped. */
@ExtendWith(PipewrightExtension.class)
class ParallelScriptTest {
  @TempDir
  Path dir;

  @Test
  void runsTheScriptOncePerPartitionAndGathersTheirFoldersInOrder(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "score.py", "suffix.txt");
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee", "c.txt", "sea"));
    Pipeline p = Pipeline.named("scripts").parameter("mark", "?");
    p.step("score").input("images", images).produces("scores", Dataset.class).uses("mark")
        .runs(Parallel.over("images").into("scores").maxConcurrency(3).apply(score(src)));

    Run run = ws.submit(p).await();

    assertThat(tree(output(run))).containsExactly(Map.entry("part-00000-a.txt/score.txt", "AY!?"),
        Map.entry("part-00001-b.txt/score.txt", "BEE!?"), Map.entry("part-00002-c.txt/score.txt", "SEA!?"));
    assertThat(scored(ws, run)).containsExactlyInAnyOrder(
        "[a.txt] scored a.txt (0)", "[b.txt] scored b.txt (1)", "[c.txt] scored c.txt (2)");
    assertThat(run.step("score").metrics()).containsEntry("partitions.total", 3.0);
    assertThat(src.resolve("scratch.txt")).doesNotExist(); // each ran in a copy of the source folder
  }

  @Test
  void runsTheScriptOfAChangedFileOnlyAndAgainForEveryPartitionWhenTheSourceFolderChanges(Workspace ws)
      throws IOException {
    Path src = source(dir.resolve("src"), "score.sh", "suffix.txt");
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee", "c.txt", "sea"));
    Parallel score = Parallel.over("images").into("scores").apply(quickScore(src));

    Run first = ws.submit(pipeline(images, score)).await();
    Files.writeString(images.resolve("b.txt"), "be");
    Run changedFile = ws.submit(pipeline(images, score)).await();
    Run same = ws.submit(pipeline(images, score)).await();
    Files.writeString(src.resolve("suffix.txt"), "."); // not the script: a file beside it
    Run changedSource = ws.submit(pipeline(images, score)).await();

    assertThat(scored(ws, first)).hasSize(3);
    assertThat(changedFile.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(scored(ws, changedFile)).containsExactly("[b.txt] scored b.txt");
    assertThat(changedFile.step("score").metrics()).containsEntry("partitions.reused", 2.0);
    assertThat(tree(output(changedFile))).containsEntry("part-00001-b.txt/score.txt", "BE!").hasSize(3);
    assertThat(same.step("score").status()).isEqualTo(StepStatus.REUSED);
    assertThat(scored(ws, changedSource)).hasSize(3);
    assertThat(changedSource.step("score").metrics()).containsEntry("partitions.reused", 0.0);
    assertThat(tree(output(changedSource))).containsEntry("part-00000-a.txt/score.txt", "AY.");
  }

  @Test
  void reportsAFailingPartitionScriptWithItsPartitionAndExitStatus(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "score.sh", "suffix.txt");
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bad"));

    Run run = ws.submit(pipeline(images, Parallel.over("images").into("scores").maxConcurrency(1)
        .apply(quickScore(src)))).await();

    StepRun step = run.step("score");
    assertThat(step.status()).isEqualTo(StepStatus.FAILED);
    assertThat(step.error()).isEqualTo("1 of 2 partitions failed, more than the error threshold 0: partition 1"
        + " 'b.txt': bash score.sh exited with status 3: cannot score b.txt");
    assertThat(logs(ws, run, "WARN")).contains("[b.txt] cannot score b.txt");
  }

  @Test
  void runsOnlyTheFailedPartitionsScriptInTheNextRunAfterAPartialSuccess(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "score.sh", "suffix.txt");
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bad", "c.txt", "sea"));
    Parallel tolerant = Parallel.over("images").into("scores").errorThreshold(1).partitionRetries(1)
        .apply(quickScore(src));

    Run partial = ws.submit(pipeline(images, tolerant)).await();
    Run again = ws.submit(pipeline(images, tolerant)).await();

    assertThat(partial.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(tree(output(partial))).containsOnlyKeys("part-00000-a.txt/score.txt", "part-00002-c.txt/score.txt");
    assertThat(logs(ws, partial, "WARN")).contains("partition 1 'b.txt' failed after 2 attempts, its results are"
        + " left out: bash score.sh exited with status 3: cannot score b.txt");
    // Kept from reuse: the next run runs the step, and only the failed partition's script (failing again).
    assertThat(again.step("score").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(logs(ws, again, "WARN")).containsOnly("[b.txt] cannot score b.txt", "partition 1 'b.txt' failed"
        + " after 2 attempts, its results are left out: bash score.sh exited with status 3: cannot score b.txt");
    assertThat(scored(ws, again)).isEmpty();
    assertThat(again.step("score").metrics()).containsEntry("partitions.reused", 2.0);
  }

  @Test
  void runsACommandPerChunkWithoutSourceFolderAndAppendsTheRows(Workspace ws) throws IOException {
    Path table = Files.writeString(dir.resolve("t.csv"), "a\nb\nc\nd\ne\n");
    Parallel upper = Parallel.over("images").chunksOf(2).into("scores").appendRows("rows.txt")
        .apply(Script.command("bash", "-c", "tr a-z A-Z < \"$0\" > \"$1/rows.txt\"; echo \"$2 done\"",
            "{partition}", "{output:scores}", "{partition:name}"));

    Run run = ws.submit(pipeline(table, upper)).await();

    assertThat(Files.readString(output(run).resolve("rows.txt"))).isEqualTo("A\nB\nC\nD\nE\n");
    assertThat(logs(ws, run, "INFO")).contains("[t.csv#0-1] t.csv#0-1 done", "[t.csv#4-4] t.csv#4-4 done");
  }

  @Test
  void failsBeforeAnyScriptStartsForAPlaceholderNamingNoInputOrAMissingScript(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "score.py", "suffix.txt");
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));

    Run typo = ws.submit(pipeline("typo", images, Parallel.over("images").into("scores")
        .apply(Script.python("score.py", "{partition}", "{input:model}").sourceFolder(src)))).await();
    Run missing = ws.submit(pipeline("missing", images, Parallel.over("images").into("scores")
        .apply(Script.python("nope.py", "{partition}").sourceFolder(src)))).await();

    assertThat(typo.step("score").error()).isEqualTo("step 'score': placeholder {input:model} in argument 2 names no"
        + " input of the step (inputs: images)");
    assertThat(missing.step("score").error()).isEqualTo("step 'score': script nope.py not found in the source folder "
        + src + " (it holds score.py, suffix.txt)");
    assertThat(ws.runs().logs(typo.id(), "score")).isEmpty();
    assertThat(ws.runs().logs(missing.id(), "score")).isEmpty();
  }

  @Test
  void failsForAScriptWithASourceFolderRunFromABodyOfOnesOwn(Workspace ws) throws IOException {
    Path src = source(dir.resolve("src"), "score.sh", "suffix.txt");
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay"));
    Parallel parallel = Parallel.over("images").into("scores").apply(quickScore(src));
    Pipeline p = Pipeline.named("own");
    p.step("score").input("images", images).produces("scores", Dataset.class).version("1").runs(parallel::run);

    StepRun step = ws.submit(p).await().step("score");

    assertThat(step.error()).isEqualTo("step 'score': the source folder of bash score.sh is not the step's: run the"
        + " Script, or the Parallel that applies it, as the step's body, .runs(...), so that the folder's content is"
        + " part of the fingerprint");
  }

  @Test
  void refusesThePartitionedInputAndOtherOutputsWhereTheStepIsDeclared() {
    Parallel.Builder b = Parallel.over("images").into("scores");

    assertThatThrownBy(() -> b.apply(Script.python("score.py", "{input:images}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Parallel over 'images': python3 score.py: argument 1: placeholder {input:images} is the"
            + " partitioned input: a script per partition reads its partition, {partition}");
    assertThatThrownBy(() -> b.apply(Script.python("score.py", "{partition}", "--log={output:log}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Parallel over 'images': python3 score.py: argument 2: placeholder {output:log} is not the"
            + " gathered output: a script per partition writes its results into {output:scores}");
    assertThat(b.apply(Script.python("score.py", "{partition}"))).hasToString("Parallel over 'images' by file into"
        + " 'scores' (a folder per partition), running python3 score.py per partition");
  }

  @Test
  void killsEveryPartitionsScriptAndItsChildrenWhenTheStepTimesOut(Workspace ws) throws Exception {
    Path src = source(dir.resolve("src"), "spawn.sh");
    Path images = folder(dir.resolve("images"), Map.of("a.txt", "ay", "b.txt", "bee"));
    Pipeline p = Pipeline.named("slow");
    p.step("score").input("images", images).produces("scores", Dataset.class).timeout(Duration.ofSeconds(1))
        .runs(Parallel.over("images").into("scores").maxConcurrency(2)
            .apply(Script.bash("spawn.sh").sourceFolder(src)));

    Run run = ws.submit(p).await();

    assertThat(run.step("score").error()).isEqualTo("step 'score' timed out after 1 s");
    List<Long> pids = logs(ws, run, "INFO").stream().filter(m -> m.matches("\\[[ab]\\.txt] (child|parent) \\d+"))
        .map(m -> Long.parseLong(m.substring(m.lastIndexOf(' ') + 1))).toList();
    assertThat(pids).as("the pids the scripts printed").hasSize(4);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline && pids.stream().anyMatch(ParallelScriptTest::alive)) {
      Thread.sleep(20);
    }
    assertThat(pids).noneMatch(ParallelScriptTest::alive);
  }

  // ---- helpers

  private static Script score(Path src) {
    return Script.python("score.py", "{partition}", "{output:scores}", "{partition:name}", "{partition:index}")
        .sourceFolder(src);
  }

  /** As {@link #score} (without the index), in bash: quicker to start than Python. */
  private static Script quickScore(Path src) {
    return Script.bash("score.sh", "{partition}", "{output:scores}", "{partition:name}").sourceFolder(src);
  }

  /** The "scored ..." lines the scripts printed, with their partition prefix. */
  private static List<String> scored(Workspace ws, Run run) {
    return logs(ws, run, "INFO").stream().filter(m -> m.contains("] scored ")).toList();
  }

  /** Alive, and not a zombie. */
  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(io.pipewright.internal.util.Processes::running).orElse(false);
  }
}
