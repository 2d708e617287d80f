package io.pipewright.steps;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The small CSV dialect of the ready-made steps: comma-separated, fields optionally quoted with {@code "} (a quote
 * inside a quoted field is doubled), one record per line, UTF-8, plain or gzip-compressed.
 */
final class Csv {
  private Csv() {}

  /** Opens a CSV file for reading, decompressing it when it starts with the gzip magic bytes, whatever its name. */
  static BufferedReader open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file));
    try {
      in.mark(2);
      boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
      in.reset();
      if (gzip) {
        in = new GZIPInputStream(in);
      }
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * The fields of one line.
   *
   * @throws IllegalArgumentException for a quote that is not closed, or text after a closing quote
   */
  static List<String> parse(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    while (true) {
      if (i < line.length() && line.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= line.length()) {
            throw new IllegalArgumentException("quoted field " + (fields.size() + 1) + " is not closed");
          }
          char c = line.charAt(i++);
          if (c != '"') {
            field.append(c);
          } else if (i < line.length() && line.charAt(i) == '"') {
            field.append('"');
            i++;
          } else {
            break;
          }
        }
        if (i < line.length() && line.charAt(i) != ',') {
          throw new IllegalArgumentException("text after the closing quote of field " + (fields.size() + 1));
        }
      } else {
        while (i < line.length() && line.charAt(i) != ',') {
          field.append(line.charAt(i++));
        }
      }
      fields.add(field.toString());
      field.setLength(0);
      if (i >= line.length()) {
        return fields;
      }
      i++; // the comma
    }
  }

  /** One line of fields, quoting only those that need it, so that {@link #parse} gives the fields back. */
  static String format(List<String> fields) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        line.append(',');
      }
      String field = fields.get(i);
      if (field.indexOf(',') >= 0 || field.indexOf('"') >= 0 || field.indexOf('\n') >= 0
          || field.indexOf('\r') >= 0) {
        line.append('"').append(field.replace("\"", "\"\"")).append('"');
      } else {
        line.append(field);
      }
    }
    return line.toString();
  }
}
