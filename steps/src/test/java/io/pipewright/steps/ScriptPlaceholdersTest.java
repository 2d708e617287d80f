package io.pipewright.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.steps.ScriptPlaceholders.Placeholder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScriptPlaceholdersTest {
  private static final Map<Placeholder, String> VALUES = Map.of(
      new Placeholder("input", "raw"), "/data/raw.csv",
      new Placeholder("output", "model"), "/staging/model",
      new Placeholder("param", "epochs"), "30");

  private static String substitute(String argument) {
    return ScriptPlaceholders.substitute(argument, VALUES::get);
  }

  @Test
  void replacesPlaceholdersAnywhereInAnArgument() {
    assertThat(substitute("{input:raw}")).isEqualTo("/data/raw.csv");
    assertThat(substitute("--out={output:model}/weights.bin")).isEqualTo("--out=/staging/model/weights.bin");
    assertThat(substitute("{param:epochs}x{param:epochs}")).isEqualTo("30x30");
    assertThat(substitute("")).isEmpty();
  }

  @Test
  void replacesThePlaceholdersOfAPartition() {
    Map<Placeholder, String> values = Map.of(Placeholder.PARTITION_FILE, "/data/a.txt",
        new Placeholder("partition", "name"), "a.txt", new Placeholder("partition", "index"), "7");

    assertThat(ScriptPlaceholders.substitute("--in={partition}", values::get)).isEqualTo("--in=/data/a.txt");
    assertThat(ScriptPlaceholders.substitute("{partition:name}#{partition:index}", values::get)).isEqualTo("a.txt#7");
    assertThat(ScriptPlaceholders.substitute("{{partition}", values::get)).isEqualTo("{partition}");
    assertThat(ScriptPlaceholders.substitute("{Partition}", values::get)).isEqualTo("{Partition}");
    assertThat(ScriptPlaceholders.placeholders(List.of("x", "{partition}{partition:name}")))
        .extracting(located -> located.placeholder().toString() + "@" + located.argument())
        .containsExactly("{partition}@2", "{partition:name}@2");
  }

  @Test
  void refusesAPartitionPlaceholderOtherThanItsFileNameAndIndex() {
    assertThatThrownBy(() -> Script.python("score.py", "{partition:file}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("python3 score.py: argument 1: unknown placeholder {partition:file} -- a partition's placeholders"
            + " are {partition} (its file), {partition:name} and {partition:index}");
  }

  @Test
  void leavesBracesThatAreNoPlaceholdersAlone() {
    for (String literal : List.of("${HOME}", "{\"a\": 1}", "f'{x:>10}'", "${VAR:-default}", "{}", "{input",
        "a{b}c", "{x: y}")) {
      assertThat(substitute(literal)).as(literal).isEqualTo(literal);
    }
  }

  @Test
  void readsADoubleBraceAsALiteralBrace() {
    assertThat(substitute("{{input:raw}")).isEqualTo("{input:raw}");
    assertThat(substitute("{{{input:raw}")).isEqualTo("{/data/raw.csv");
  }

  @Test
  void refusesAnUnknownPlaceholderWhereTheScriptIsBuilt() {
    assertThatThrownBy(() -> Script.python("prep.py", "--raw", "{inptu:raw}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("python3 prep.py: argument 2: unknown placeholder {inptu:raw} -- placeholders are {input:NAME},"
            + " {output:NAME}, {param:NAME}, and per partition {partition}, {partition:name} and {partition:index};"
            + " write {{ for a literal {");
  }

  @Test
  void refusesMalformedPlaceholdersOfKnownKinds() {
    assertThatThrownBy(() -> Script.bash("run.sh", "{input:}")).hasMessageStartingWith(
        "bash run.sh: argument 1: placeholder {input:} needs a name of letters, digits, '_', '.' or '-'");
    assertThatThrownBy(() -> Script.command("tool", "x", "{output:model")).hasMessageStartingWith(
        "tool: argument 2: placeholder {output:model is not closed with }");
    assertThatThrownBy(() -> Script.command("tool", "{Param:epochs}")).hasMessageStartingWith(
        "tool: argument 1: placeholder {Param:epochs} must be written in lower case");
    assertThatThrownBy(() -> Script.command("tool", "{param:a b}")).hasMessageStartingWith(
        "tool: argument 1: placeholder {param:a b} needs a name");
  }

  @Test
  void namesVariablesInUpperCaseWithUnderscores() {
    assertThat(ScriptPlaceholders.variable("input", "raw-data.v2")).isEqualTo("PW_INPUT_RAW_DATA_V2");
    assertThat(ScriptPlaceholders.variable("param", "testFraction")).isEqualTo("PW_PARAM_TESTFRACTION");
    assertThat(ScriptPlaceholders.variable("output", "model")).isEqualTo("PW_OUTPUT_MODEL");
    assertThat(ScriptPlaceholders.variable(Placeholder.PARTITION_FILE)).isEqualTo("PW_PARTITION");
    assertThat(ScriptPlaceholders.variable(new Placeholder("partition", "index"))).isEqualTo("PW_PARTITION_INDEX");
  }

  @Test
  void refusesScriptPathsOutsideTheSourceFolder() {
    assertThatThrownBy(() -> Script.python("/abs/prep.py"))
        .hasMessage("script must be a path relative to the source folder, was '/abs/prep.py'");
    assertThatThrownBy(() -> Script.python("../prep.py"))
        .hasMessage("script must be a path relative to the source folder, was '../prep.py'");
    assertThatThrownBy(() -> Script.bash(" "))
        .hasMessage("script must be a path relative to the source folder, was ' '");
  }

  @Test
  void refusesVariablesThatArePipewrights() {
    assertThatThrownBy(() -> Script.python("prep.py").env("PW_STEP", "x"))
        .hasMessage("variable PW_STEP: names starting with PW_ are set by Pipewright");
    assertThatThrownBy(() -> Script.python("prep.py").env("A-B", "x"))
        .hasMessage("variable name must be letters, digits and '_', not starting with a digit, was 'A-B'");
  }

  @Test
  void returnsANewScriptFromEachWither() {
    Script plain = Script.python("prep.py", "{input:raw}");
    Script configured = plain.env("SEED", "1").sourceFolder(Path.of("src"));

    assertThat(plain.sourceFolder()).isNull();
    assertThat(plain.toString()).isEqualTo("Script[python3 -u prep.py {input:raw}]");
    assertThat(configured.sourceFolder()).isEqualTo(Path.of("src").toAbsolutePath());
    assertThat(configured.toString()).isEqualTo("Script[python3 -u prep.py {input:raw}, env [SEED], source "
        + Path.of("src").toAbsolutePath() + "]");
  }
}
