package io.pipewright.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The placeholders of a script's arguments: {@code {input:NAME}}, {@code {output:NAME}} and {@code {param:NAME}},
 * and for a script run per partition {@code {partition}}, {@code {partition:name}} and {@code {partition:index}},
 * anywhere in an argument; <code>{{</code> stands for a literal brace.
 *
 * <p>What counts as a placeholder is kept narrow, so that braces a command line needs for itself ({@code ${HOME}},
 * {@code {"a": 1}}, {@code {x:>10}}) pass through: a brace, a lower-case word, a colon, a name (as Pipewright names
 * steps, inputs and parameters), a closing brace; or exactly {@code {partition}}. Such a text with a word other than
 * the four kinds is a mistake ({@code {inptu:raw}}), and so is one of the kinds that is not closed or has no valid
 * name, or a partition placeholder other than the three.
 */
final class ScriptPlaceholders {
  static final String PARTITION = "partition";
  static final List<String> KINDS = List.of("input", "output", "param", PARTITION);
  /** What {@code {partition:WHAT}} may ask for; {@code {partition}} itself is the partition's file. */
  static final List<String> PARTITION_FACTS = List.of("name", "index");

  private static final Set<String> KNOWN = Set.copyOf(KINDS);
  private static final String WHOLE_PARTITION = "{" + PARTITION + "}";
  private static final Pattern HEAD = Pattern.compile("\\{([A-Za-z]+):");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final String HINT = " -- placeholders are {input:NAME}, {output:NAME}, {param:NAME}, and per"
      + " partition {partition}, {partition:name} and {partition:index}; write {{ for a literal {";

  private ScriptPlaceholders() {}

  /**
   * One placeholder, as written.
   *
   * @param name the input, output or parameter; for a partition placeholder {@code name}, {@code index}, or null for
   *     {@code {partition}}, its file
   */
  record Placeholder(String kind, String name) {
    /** {@code {partition}}: the file of the partition. */
    static final Placeholder PARTITION_FILE = new Placeholder(PARTITION, null);

    boolean isPartition() {
      return kind.equals(PARTITION);
    }

    @Override
    public String toString() {
      return name == null ? "{" + kind + "}" : "{" + kind + ":" + name + "}";
    }
  }

  /** A piece of an argument: literal text, or a placeholder (then {@code text} is null). */
  record Part(String text, Placeholder placeholder) {}

  /** Thrown for a malformed or unknown placeholder; the message is one line without the step's name. */
  static final class MalformedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  /** The pieces of one argument. */
  static List<Part> parse(String argument) {
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    Matcher head = HEAD.matcher(argument);
    int i = 0;
    while (i < argument.length()) {
      char c = argument.charAt(i);
      if (c != '{') {
        literal.append(c);
        i++;
        continue;
      }
      if (argument.startsWith("{{", i)) {
        literal.append('{');
        i += 2;
        continue;
      }
      Placeholder placeholder;
      int end;
      if (argument.startsWith(WHOLE_PARTITION, i)) {
        placeholder = Placeholder.PARTITION_FILE;
        end = i + WHOLE_PARTITION.length();
      } else {
        placeholder = head.region(i, argument.length()).lookingAt() ? placeholder(argument, head) : null;
        end = placeholder == null ? -1 : argument.indexOf('}', head.end()) + 1;
      }
      if (placeholder == null) {
        literal.append(c);
        i++;
        continue;
      }
      if (literal.length() > 0) {
        parts.add(new Part(literal.toString(), null));
        literal.setLength(0);
      }
      parts.add(new Part(null, placeholder));
      i = end;
    }
    if (literal.length() > 0 || parts.isEmpty()) {
      parts.add(new Part(literal.toString(), null));
    }
    return parts;
  }

  /** The placeholder that starts where {@code head} matched, null when that text is not meant as one. */
  private static Placeholder placeholder(String argument, Matcher head) {
    String word = head.group(1);
    int close = argument.indexOf('}', head.end());
    String name = close < 0 ? null : argument.substring(head.end(), close);
    boolean wellFormed = name != null && NAME.matcher(name).matches();
    if (KNOWN.contains(word.toLowerCase(Locale.ROOT))) {
      String shown = argument.substring(head.start(), close < 0 ? argument.length() : close + 1);
      if (!KNOWN.contains(word)) {
        throw new MalformedException("placeholder " + shown + " must be written in lower case" + HINT);
      }
      if (close < 0) {
        throw new MalformedException("placeholder " + shown + " is not closed with }" + HINT);
      }
      if (!wellFormed) {
        throw new MalformedException("placeholder " + shown + " needs a name of letters, digits, '_', '.' or '-'"
            + HINT);
      }
      if (word.equals(PARTITION) && !PARTITION_FACTS.contains(name)) {
        throw new MalformedException("unknown placeholder " + shown + " -- a partition's placeholders are"
            + " {partition} (its file), {partition:name} and {partition:index}");
      }
      return new Placeholder(word, name);
    }
    if (wellFormed && word.equals(word.toLowerCase(Locale.ROOT))) {
      throw new MalformedException("unknown placeholder {" + word + ":" + name + "}" + HINT);
    }
    return null;
  }

  /** Every placeholder of the arguments, in order, each with the (1-based) number of its argument. */
  static List<Located> placeholders(List<String> arguments) {
    List<Located> found = new ArrayList<>();
    for (int i = 0; i < arguments.size(); i++) {
      List<Part> parts;
      try {
        parts = parse(arguments.get(i));
      } catch (MalformedException e) {
        throw new MalformedException("argument " + (i + 1) + ": " + e.getMessage());
      }
      for (Part part : parts) {
        if (part.placeholder() != null) {
          found.add(new Located(part.placeholder(), i + 1));
        }
      }
    }
    return found;
  }

  /** A placeholder and the number of the argument it is in. */
  record Located(Placeholder placeholder, int argument) {}

  /** The argument with its placeholders replaced by {@code values}. */
  static String substitute(String argument, Function<Placeholder, String> values) {
    StringBuilder s = new StringBuilder();
    for (Part part : parse(argument)) {
      s.append(part.placeholder() == null ? part.text() : values.apply(part.placeholder()));
    }
    return s.toString();
  }

  /**
   * The environment variable of an input, output, parameter or partition fact: {@code PW_INPUT_RAW_DATA} for input
   * raw-data, {@code PW_PARTITION} for the partition's file, {@code PW_PARTITION_NAME} for its name.
   */
  static String variable(String kind, String name) {
    String prefix = "PW_" + kind.toUpperCase(Locale.ROOT);
    return name == null ? prefix : prefix + "_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  /** The variable of a placeholder. */
  static String variable(Placeholder placeholder) {
    return variable(placeholder.kind(), placeholder.name());
  }
}
