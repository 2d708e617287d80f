package io.pipewright.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatastoresTest {
  @TempDir
  Path temp;

  @Test
  void opensAPlainPathOrAFileUriAsALocalFolder() throws IOException {
    try (Datastore byPath = Datastores.open(temp.resolve("a").toString());
        Datastore byUri = Datastores.open(temp.resolve("a").toUri().toString());
        Datastore local = Datastores.local(temp.resolve("a"))) {
      byPath.write("x/y", new ByteArrayInputStream(new byte[] {1, 2}));
      assertThat(byUri.list("")).containsExactly("x/y");
      assertThat(local.info("x/y")).get().extracting(StoredObject::size).isEqualTo(2L);
      assertThat(byPath.uri()).isEqualTo(temp.resolve("a").toUri());
      assertThat(Files.readAllBytes(temp.resolve("a/x/y"))).containsExactly(1, 2);
    }
  }

  @Test
  void namesTheModuleToAddForAKnownSchemeWithoutItsModule() {
    assertThatThrownBy(() -> Datastores.open("azureblob://acct/ctr/prefix?accountKey=SECRET"))
        .isInstanceOf(UserException.class)
        .hasMessage("datastore azureblob://acct/ctr/prefix needs the module "
            + "io.pipewright:pipewright-datastore-azure-blob -- add it to the classpath (as a Maven dependency)");
  }

  @Test
  void listsTheKnownSchemesForAnUnknownOne() {
    assertThatThrownBy(() -> Datastores.open("s3://bucket/x"))
        .isInstanceOf(UserException.class)
        .hasMessage("no datastore for scheme 's3' in s3://bucket/x (known: file) -- add the module that provides it");
  }

  @Test
  void refusesSettingsALocalFolderDoesNotTake() {
    assertThatThrownBy(() -> Datastores.open(temp.toString(), Map.of("endpoint", "x")))
        .isInstanceOf(UserException.class)
        .hasMessageEndingWith(": unknown settings [endpoint] -- a local folder takes none");
  }

  @Test
  void refusesAKeyThatPassesThroughASymbolicLinkOutOfTheRoot() throws IOException {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Path root = Files.createDirectories(temp.resolve("root"));
    Files.createSymbolicLink(root.resolve("link"), outside);
    try (Datastore store = Datastores.local(root)) {
      assertThatThrownBy(() -> store.write("link/x", new ByteArrayInputStream(new byte[] {1})))
          .isInstanceOf(UserException.class)
          .hasMessage(root.toUri() + ": invalid datastore key 'link/x': link is a symbolic link, which could lead "
              + "out of the datastore's root");
      assertThat(store.list("")).isEmpty();
    }
    assertThat(outside).isEmptyDirectory();
  }

  @Test
  void prefixesKeyErrorsWithTheDatastore() {
    try (Datastore store = Datastores.local(temp)) {
      assertThatThrownBy(() -> store.read("../x"))
          .hasMessage(temp.toUri() + ": invalid datastore key '../x': '..' would leave the datastore's root");
    }
  }

  @Test
  void refusesAKeyThatIsAlsoAPrefixInALocalFolder() {
    try (Datastore store = Datastores.local(temp)) {
      store.write("a/b", new ByteArrayInputStream(new byte[] {1}));
      assertThatThrownBy(() -> store.write("a", new ByteArrayInputStream(new byte[] {1})))
          .isInstanceOf(UserException.class)
          .hasMessage(temp.toUri() + ": cannot write 'a': it is a folder of other objects here -- a key cannot also "
              + "be a prefix in a local folder");
      assertThatThrownBy(() -> store.write("a/b/c", new ByteArrayInputStream(new byte[] {1})))
          .isInstanceOf(UserException.class)
          .hasMessageStartingWith(temp.toUri() + ": cannot write 'a/b/c': a part of its path is an object here");
      assertThat(store.list("")).isEqualTo(List.of("a/b"));
    }
  }

  @Test
  void leavesPartialFilesOfACrashOutOfListings() throws IOException {
    Files.writeString(temp.resolve(".pipewright-partial-123"), "torn");
    try (Datastore store = Datastores.local(temp)) {
      assertThat(store.list("")).isEmpty();
      assertThat(store.uri()).isEqualTo(URI.create(temp.toUri().toString()));
    }
  }
}
