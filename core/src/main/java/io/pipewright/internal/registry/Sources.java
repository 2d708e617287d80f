package io.pipewright.internal.registry;

import io.pipewright.UserException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Copies what a registration names (a file, a folder, a glob, a URL) into a staging folder, from which the object
 * store takes it. Nothing is recorded here; a failure leaves only the staging folder, which the caller removes.
 */
final class Sources {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
      .followRedirects(HttpClient.Redirect.NORMAL).build();

  /** What a source string is: a URL when it has a scheme we fetch, a glob when it has wildcards, else a path. */
  String stage(String source, Path staging) {
    String lower = source.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:") || lower.matches("[a-z][a-z0-9+.-]+://.*")) {
      try {
        return stage(new URI(source), staging);
      } catch (URISyntaxException e) {
        throw new UserException("invalid URL '" + source + "': " + e.getReason());
      }
    }
    if (source.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
      return glob(source, staging);
    }
    return copy(path(source), staging);
  }

  /** A {@code file:}, {@code http:} or {@code https:} URL. */
  String stage(URI url, Path staging) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "file" -> {
        try {
          return copy(Path.of(url), staging);
        } catch (IllegalArgumentException e) {
          throw new UserException("invalid file URL '" + url + "': " + e.getMessage());
        }
      }
      case "http", "https" -> {
        return download(url, staging);
      }
      default -> throw new UserException("cannot register from URL " + shown(url) + ": only file:, http: and https:"
          + " URLs are supported");
    }
  }

  /** A file, stored under its name, or a folder, its files by relative path. */
  String copy(Path source, Path staging) {
    Path from = source.toAbsolutePath().normalize();
    if (!Files.exists(from)) {
      throw new UserException("no file or folder " + from);
    }
    try {
      if (Files.isDirectory(from)) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(from)) {
          files = walk.filter(p -> Files.isRegularFile(p)).toList();
        }
        if (files.isEmpty()) {
          throw new UserException("folder " + from + " has no files to register");
        }
        for (Path file : files) {
          copyFile(file, staging.resolve(from.relativize(file).toString()));
        }
      } else {
        copyFile(from, staging.resolve(from.getFileName().toString()));
      }
    } catch (IOException | UncheckedIOException e) {
      throw new UserException("cannot copy " + from + ": " + message(e), e);
    }
    return from.toString();
  }

  /** The files matching a glob, by path relative to the folder before its first wildcard. */
  private String glob(String pattern, Path staging) {
    String normalized = pattern.replace('\\', '/');
    String[] segments = normalized.split("/", -1);
    int first = 0;
    while (first < segments.length && segments[first].chars().noneMatch(c -> c == '*' || c == '?' || c == '['
        || c == '{')) {
      first++;
    }
    String base = String.join("/", java.util.Arrays.copyOfRange(segments, 0, first));
    String rest = String.join("/", java.util.Arrays.copyOfRange(segments, first, segments.length));
    Path root = (base.isEmpty() ? Path.of("") : path(base)).toAbsolutePath().normalize();
    PathMatcher matcher;
    try {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + rest);
    } catch (IllegalArgumentException e) {
      throw new UserException("invalid glob '" + pattern + "': " + e.getMessage());
    }
    List<Path> matched = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(p -> Files.isRegularFile(p) && matcher.matches(root.relativize(p))).forEach(matched::add);
      } catch (IOException | UncheckedIOException e) {
        throw new UserException("cannot list " + root + ": " + message(e), e);
      }
    }
    if (matched.isEmpty()) {
      throw new UserException("no files match '" + pattern + "' (in " + root + ")");
    }
    try {
      for (Path file : matched) {
        copyFile(file, staging.resolve(root.relativize(file).toString()));
      }
    } catch (IOException | UncheckedIOException e) {
      throw new UserException("cannot copy the files of '" + pattern + "': " + message(e), e);
    }
    return root + "/" + rest;
  }

  /** Streams the body to one file named by the URL's last path segment. */
  private String download(URI url, Path staging) {
    String shown = shown(url);
    String path = url.getPath() == null ? "" : url.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      name = "download";
    }
    Path target = staging.resolve(name);
    HttpResponse<Path> response;
    try {
      Files.createDirectories(staging);
      HttpRequest request = HttpRequest.newBuilder(url).GET().build();
      response = http.send(request, HttpResponse.BodyHandlers.ofFile(target));
    } catch (ConnectException e) {
      throw new UserException("cannot download " + shown + ": connection refused or host unreachable", e);
    } catch (HttpTimeoutException e) {
      throw new UserException("cannot download " + shown + ": timed out", e);
    } catch (IOException e) {
      throw new UserException("cannot download " + shown + ": " + message(e), e);
    } catch (IllegalArgumentException e) {
      throw new UserException("invalid URL " + shown + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserException("download of " + shown + " was interrupted", e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new UserException("cannot download " + shown + ": HTTP " + response.statusCode());
    }
    return shown;
  }

  /** A URL as it may be shown and recorded: without user info (a password) or query (a token). */
  static String shown(URI url) {
    try {
      return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), null, null).toString()
          + (url.getRawQuery() != null ? "?..." : "");
    } catch (URISyntaxException | RuntimeException e) {
      return url.getScheme() + "://" + url.getHost() + "/...";
    }
  }

  private static Path path(String text) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw new UserException("invalid path '" + text + "': " + e.getMessage());
    }
  }

  private static void copyFile(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String message(Exception e) {
    Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
    String m = t.getMessage();
    return t instanceof java.nio.file.AccessDeniedException ? "permission denied on " + m
        : t instanceof java.nio.file.NoSuchFileException ? "no such file " + m
        : m == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
  }
}
