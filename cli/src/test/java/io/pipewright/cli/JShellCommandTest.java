package io.pipewright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipewright jshell FILE: scripts run snippet by snippet, stopping at the first failure with its file and line. */
class JShellCommandTest {
  @TempDir
  Path dir;

  private static Optional<JShellRunner.Failure> run(String source) {
    return JShellRunner.run(source, JShellRunner.classPath(), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
  }

  private Invocation jshell(String script) throws IOException {
    Path file = Files.writeString(dir.resolve("notebook.jsh"), script);
    return Invocation.of("jshell", file.toString());
  }

  @Test
  void runsEverySnippetWithPipewrightImportedAndSucceeds() throws IOException {
    Path marker = dir.resolve("ran.txt");
    Invocation r = jshell("""
        // a pipeline, built and run in the script
        var ws = Workspace.temporary();
        var p = Pipeline.named("hello");
        p.step("say").runs(ctx -> ctx.log().info("hi"));
        Run run = ws.submit(p).await();
        int twice(int n) {
          return 2 * n;
        }
        Files.writeString(Path.of("%s"), run.status() + " " + twice(21));
        ws.close();
        /exit
        throw new IllegalStateException("not reached");
        """.formatted(marker.toString().replace("\\", "\\\\")));

    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(marker).hasContent("SUCCEEDED 42");
  }

  @Test
  void aSnippetThatDoesNotCompileStopsTheScriptNamingItsLine() throws IOException {
    Invocation r = jshell("int x = 1;\n\n// a comment\nString s = nope + x;\nSystem.exit(0);\n");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("pipewright: " + dir.resolve("notebook.jsh")
        + ":4: cannot find symbol; symbol: variable nope\n");
  }

  @Test
  void anExceptionStopsTheScriptNamingTheLineOfTheSnippetAndOfTheMethodItCameFrom() {
    Optional<JShellRunner.Failure> failure = run("""
        void check(int n) {
          if (n > 1) {
            throw new IllegalArgumentException("n must be <= 1, was " + n);
          }
        }
        check(1);

        check(2);
        System.exit(0);
        """);

    assertThat(failure).contains(new JShellRunner.Failure(8,
        "java.lang.IllegalArgumentException: n must be <= 1, was 2 (in check, declared at line 1)"));
  }

  @Test
  void otherFailuresAreNamedToo() {
    assertThat(run("int a = 1;\nint b = (a +\n")).contains(new JShellRunner.Failure(2,
        "incomplete snippet at the end of the file: a missing ';', ')' or '}'?"));
    assertThat(run("int a = 1;\n/exit 4\nint b = 2;\n")).contains(new JShellRunner.Failure(2,
        "the script ended with /exit 4"));
    assertThat(run("int a = 1;\n/exit 0\nthrow new IllegalStateException();\n")).isEmpty();
    assertThat(run("\n/open other.jsh\n")).contains(new JShellRunner.Failure(2,
        "jshell command /open is not supported in a script (only /exit is): write Java"));
    assertThat(run("void g() { h(); }\ng();\n")).contains(new JShellRunner.Failure(2,
        "g uses method h(), which is not defined (in g, declared at line 1)"));
    assertThat(run("class A extends Missing {}\n")).hasValueSatisfying(f -> {
      assertThat(f.line()).isEqualTo(1);
      assertThat(f.message()).contains("Missing");
    });
    assertThat(run("Object o = null;\no.toString();\n")).hasValueSatisfying(f -> {
      assertThat(f.line()).isEqualTo(2);
      assertThat(f.message()).startsWith("java.lang.NullPointerException");
    });
  }

  @Test
  void helpSaysWhatTheCommandDoesAndJsonIsRefused() {
    Invocation help = Invocation.of("jshell", "--help");
    Invocation json = Invocation.of("jshell", "--json");

    assertThat(help.code()).isZero();
    assertThat(help.out()).startsWith("Usage: pipewright jshell ").contains("[FILE]", "run that script and exit");
    assertThat(json.code()).isEqualTo(2);
    assertThat(json.err()).isEqualTo("pipewright: jshell has no --json output: print what you need from the script\n");
  }

  @Test
  void aMissingScriptIsAUserError() {
    Invocation r = Invocation.of("jshell", dir.resolve("absent.jsh").toString());

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("pipewright: cannot read script " + dir.resolve("absent.jsh"));
  }

  @Test
  void importsPipewrightAndTheJdkPackagesANotebookUses() {
    assertThat(JShellRunner.imports()).contains("import io.pipewright.*;", "import java.util.*;",
        "import java.nio.file.*;", "import java.time.*;")
        // not on this module's class path: left out rather than failing every snippet
        .doesNotContain("import io.pipewright.examples.*;");
  }
}
