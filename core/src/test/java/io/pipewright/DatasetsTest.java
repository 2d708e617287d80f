package io.pipewright;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset registry on a real workspace: files, folders, globs and URLs; versions; mistakes. */
class DatasetsTest {
  @TempDir
  Path tmp;

  private Workspace ws;

  @BeforeEach
  void open() {
    ws = Workspace.builder(tmp.resolve("ws")).localThreads(2).open();
  }

  @AfterEach
  void close() {
    ws.close();
  }

  private Path write(String relative, String content) throws IOException {
    Path file = tmp.resolve(relative);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, content);
  }

  private static List<String> paths(RegisteredDataset d) {
    return d.dataset().files().stream().map(DataFile::path).toList();
  }

  @Test
  void registersAFileAsVersionOneWithItsManifestCopiedIntoTheStore() throws IOException {
    Path file = write("in/rows.csv", "a\nb\n");

    RegisteredDataset d = ws.datasets().register("rows", file, DatasetOptions.defaults().description("two rows")
        .tag("owner", "me"));

    assertThat(d.reference()).isEqualTo("rows:1");
    assertThat(d.description()).isEqualTo("two rows");
    assertThat(d.tags()).isEqualTo(Map.of("owner", "me"));
    assertThat(d.source()).isEqualTo(file.toAbsolutePath().toString());
    assertThat(paths(d)).containsExactly("rows.csv");
    assertThat(d.dataset().files().get(0).size()).isEqualTo(4);
    assertThat(d.root()).startsWith(ws.dir().resolve("data/objects"));
    assertThat(d.contentHash()).isEqualTo("sha256:" + d.root().getFileName());
    Files.writeString(file, "changed"); // the version is a copy: editing the source changes nothing
    assertThat(ws.datasets().get("rows").dataset().singleFile()).hasContent("a\nb\n");
  }

  @Test
  void registeringTheSameContentAgainReturnsTheExistingVersionAndNewContentAddsOne() throws IOException {
    Path file = write("in/rows.csv", "a\n");
    RegisteredDataset first = ws.datasets().register("rows", file);
    RegisteredDataset again = ws.datasets().register("rows", file);
    Files.writeString(file, "a\nb\n");
    RegisteredDataset second = ws.datasets().register("rows", file);
    RegisteredDataset otherName = ws.datasets().register("copy", file);

    assertThat(again.version()).isEqualTo(1);
    assertThat(again.contentHash()).isEqualTo(first.contentHash());
    assertThat(second.version()).isEqualTo(2);
    assertThat(otherName.reference()).isEqualTo("copy:1");
    assertThat(ws.datasets().get("rows").version()).isEqualTo(2);
    assertThat(ws.datasets().get("rows:1").dataset().singleFile()).hasContent("a\n");
    assertThat(ws.datasets().get("rows", 2).dataset().singleFile()).hasContent("a\nb\n");
    assertThat(ws.datasets().versions("rows")).extracting(RegisteredDataset::version).containsExactly(1, 2);
    assertThat(ws.datasets().list()).extracting(RegisteredDataset::reference).containsExactly("copy:1", "rows:2");
  }

  @Test
  void registersAFolderByRelativePaths() throws IOException {
    write("folder/a.csv", "1");
    write("folder/sub/b.csv", "22");

    RegisteredDataset d = ws.datasets().register("f", tmp.resolve("folder"));

    assertThat(paths(d)).containsExactly("a.csv", "sub/b.csv");
    assertThat(d.dataset().file("sub/b.csv")).hasContent("22");
  }

  @Test
  void registersTheFilesAGlobMatchesRelativeToTheFolderBeforeTheWildcard() throws IOException {
    write("data/jan.csv", "1");
    write("data/feb.csv", "2");
    write("data/notes.txt", "x");

    RegisteredDataset d = ws.datasets().register("months", tmp.resolve("data") + "/*.csv",
        DatasetOptions.defaults());

    assertThat(paths(d)).containsExactly("feb.csv", "jan.csv");
    assertThat(d.source()).isEqualTo(tmp.resolve("data") + "/*.csv");
  }

  @Test
  void registersAFileUrl() throws IOException {
    Path file = write("in/rows.csv", "a\n");

    RegisteredDataset d = ws.datasets().register("rows", file.toUri(), DatasetOptions.defaults());

    assertThat(paths(d)).containsExactly("rows.csv");
  }

  @Test
  void downloadsAnHttpUrlAndReportsHttpErrorsWithTheStatusAndNoCredentials() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] body = "x,y\n1,2\n".getBytes(StandardCharsets.UTF_8);
    server.createContext("/files/table.csv", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.createContext("/missing", exchange -> {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();

      RegisteredDataset d = ws.datasets().register("table", base + "/files/table.csv?token=secret",
          DatasetOptions.defaults());

      assertThat(paths(d)).containsExactly("table.csv");
      assertThat(d.dataset().singleFile()).hasContent("x,y\n1,2\n");
      assertThat(d.source()).isEqualTo(base + "/files/table.csv?...");
      assertThatThrownBy(() -> ws.datasets().register("gone", "http://user:pw@127.0.0.1:"
          + server.getAddress().getPort() + "/missing/x.csv", DatasetOptions.defaults()))
          .isInstanceOf(UserException.class)
          .hasMessage("cannot download " + base + "/missing/x.csv: HTTP 404");
    } finally {
      server.stop(0);
    }
    assertThat(ws.datasets().list()).extracting(RegisteredDataset::reference).containsExactly("table:1");
    assertThat(staging()).isEmpty();
  }

  @Test
  void anUnreachableUrlIsOneLineNamingIt() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    URI url = URI.create("http://127.0.0.1:" + port + "/a.csv");

    assertThatThrownBy(() -> ws.datasets().register("a", url, DatasetOptions.defaults()))
        .isInstanceOf(UserException.class)
        .hasMessageStartingWith("cannot download http://127.0.0.1:" + port + "/a.csv: ");
    assertThat(ws.datasets().list()).isEmpty();
  }

  @Test
  void mistakesAreOneLineUserErrorsAndRegisterNothing() throws IOException {
    write("data/a.csv", "1");

    assertThatThrownBy(() -> ws.datasets().register("bad name", tmp.resolve("data")))
        .isInstanceOf(UserException.class)
        .hasMessage("dataset name must be letters, digits, '_', '.' or '-' (not starting with '_', '.' or '-'), was"
            + " 'bad name'");
    assertThatThrownBy(() -> ws.datasets().register("x", tmp.resolve("nothing.csv")))
        .isInstanceOf(UserException.class).hasMessage("no file or folder " + tmp.resolve("nothing.csv"));
    assertThatThrownBy(() -> ws.datasets().register("x", tmp.resolve("data") + "/*.parquet",
        DatasetOptions.defaults()))
        .isInstanceOf(UserException.class)
        .hasMessage("no files match '" + tmp.resolve("data") + "/*.parquet' (in " + tmp.resolve("data") + ")");
    assertThatThrownBy(() -> ws.datasets().register("x", "ftp://host/a.csv", DatasetOptions.defaults()))
        .isInstanceOf(UserException.class).hasMessageContaining("only file:, http: and https: URLs");
    assertThat(ws.datasets().list()).isEmpty();
    assertThat(staging()).isEmpty();
  }

  @Test
  void unknownNamesAndVersionsSayWhatThereIs() throws IOException {
    assertThatThrownBy(() -> ws.datasets().get("rows")).isInstanceOf(UserException.class)
        .hasMessage("no dataset 'rows' in workspace " + ws.dir() + " (no datasets are registered)");
    ws.datasets().register("rows", write("a.csv", "1"));
    ws.datasets().register("rows", write("a.csv", "2"));

    assertThatThrownBy(() -> ws.datasets().get("rowz")).isInstanceOf(UserException.class)
        .hasMessage("no dataset 'rowz' in workspace " + ws.dir() + " (datasets: rows)");
    assertThatThrownBy(() -> ws.datasets().get("rows", 3)).isInstanceOf(UserException.class)
        .hasMessage("dataset 'rows' has no version 3 (versions: 1, 2)");
    assertThatThrownBy(() -> ws.datasets().get("rows:latest")).isInstanceOf(UserException.class)
        .hasMessage("invalid dataset reference 'rows:latest': give NAME or NAME:VERSION");
  }

  @Test
  void gcKeepsTheFilesOfRegisteredDatasets() throws IOException {
    RegisteredDataset d = ws.datasets().register("rows", write("a.csv", "1\n2\n"));

    GcReport report = ws.gc(GcOptions.defaults().olderThan(java.time.Duration.ZERO).grace(java.time.Duration.ZERO));

    assertThat(report.objectsRemoved()).isZero();
    assertThat(report.objectsInUse()).isEqualTo(1);
    assertThat(ws.datasets().get("rows").dataset().singleFile()).hasContent("1\n2\n");
    assertThat(d.root()).exists();
  }

  private List<Path> staging() throws IOException {
    try (Stream<Path> files = Files.list(ws.dir().resolve("tmp"))) {
      return files.toList();
    }
  }
}
