package io.pipewright.steps;

import io.pipewright.StepException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Gathers the partitions' result folders into the step's output, in the order given (partition order), so that the
 * output depends on nothing but the results.
 */
final class PartitionGather {
  private static final int MAX_NAME_LENGTH = 100;

  private PartitionGather() {}

  /** A partition and the folder holding its results (stored, so read-only). */
  record Part(Partition partition, Path folder) {}

  /**
   * Puts each partition's files under {@code part-NNNNN-NAME/} of {@code out}: hard links to the stored files where
   * the file system allows it (the store's files are never written), copies elsewhere.
   */
  static void folders(Path out, List<Part> parts) throws IOException {
    for (Part part : parts) {
      Path target = out.resolve(folderName(part.partition()));
      for (String file : files(part.folder())) {
        Path to = target.resolve(file);
        Files.createDirectories(to.getParent());
        Path from = part.folder().resolve(file);
        try {
          Files.createLink(to, from);
        } catch (UnsupportedOperationException | IOException e) {
          Files.copy(from, to);
        }
      }
    }
  }

  /** {@code part-00012-images_cat.png}: the index keeps the order, the name says which partition it was. */
  static String folderName(Partition partition) {
    String name = partition.name().replaceAll("[^A-Za-z0-9._-]", "_");
    if (name.length() > MAX_NAME_LENGTH) {
      name = name.substring(0, MAX_NAME_LENGTH);
    }
    return String.format("part-%05d-%s", partition.index(), name);
  }

  /**
   * Concatenates the partitions' files, by path within a partition, into {@code file}, adding a line break after a
   * file that does not end with one.
   *
   * @param header whether each file starts with a header line: the first is written, the others must equal it
   */
  static void append(Path file, List<Part> parts, boolean header) throws IOException {
    byte[] headerLine = null;
    Part headerFrom = null;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      for (Part part : parts) {
        for (String name : files(part.folder())) {
          try (InputStream in = new BufferedInputStream(Files.newInputStream(part.folder().resolve(name)), 1 << 16)) {
            if (header) {
              byte[] line = firstLine(in);
              if (line.length == 0) {
                continue;
              }
              if (headerLine == null) {
                headerLine = line;
                headerFrom = part;
                out.write(line);
                if (line[line.length - 1] != '\n') {
                  out.write('\n');
                }
              } else if (!Arrays.equals(withoutLineBreak(line), withoutLineBreak(headerLine))) {
                throw StepException.nonRetryable(part.partition() + " wrote the header '" + text(line) + "' in "
                    + name + ", not '" + text(headerLine) + "' as " + headerFrom.partition()
                    + " did: rows appended with a header need the same header from every partition");
              }
            }
            copyRows(in, out);
          }
        }
      }
    }
  }

  private static void copyRows(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[1 << 16];
    int last = '\n';
    for (int n; (n = in.read(buffer)) > 0; ) {
      out.write(buffer, 0, n);
      last = buffer[n - 1];
    }
    if (last != '\n') {
      out.write('\n');
    }
  }

  private static byte[] firstLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) >= 0; ) {
      line.write(b);
      if (b == '\n') {
        break;
      }
    }
    return line.toByteArray();
  }

  private static byte[] withoutLineBreak(byte[] line) {
    int end = line.length;
    if (end > 0 && line[end - 1] == '\n') {
      end--;
    }
    if (end > 0 && line[end - 1] == '\r') {
      end--;
    }
    return Arrays.copyOf(line, end);
  }

  private static String text(byte[] line) {
    String text = new String(withoutLineBreak(line), StandardCharsets.UTF_8);
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }

  /** The files under a folder, as relative paths with {@code /} separators, sorted: the manifest's order. */
  private static List<String> files(Path folder) throws IOException {
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> folder.relativize(p).toString().replace(folder.getFileSystem().getSeparator(), "/"))
          .sorted()
          .toList();
    }
  }
}
