package io.pipewright.datastore.azureblob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipewright.UserException;
import io.pipewright.spi.Datastore;
import io.pipewright.spi.DatastoreException;
import io.pipewright.spi.Datastores;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** URIs, settings and credentials, and the errors that need no service; nothing here needs Azurite. */
class AzureBlobSettingsTest {
  private static final String KEY = "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cy1vbmx5LTAxMjM0NTY3ODk=";
  private static final URI URI_ = URI.create("azureblob://acct/ctr/some/prefix/");

  private static AzureBlobSettings parse(String uri, Map<String, String> settings, Map<String, String> env) {
    return AzureBlobSettings.parse(URI.create(uri), settings, env::get);
  }

  @Test
  void readsAccountContainerAndPrefixFromTheUri() {
    AzureBlobSettings s = AzureBlobSettings.parse(URI_, Map.of("accountKey", KEY), Map.<String, String>of()::get);
    assertThat(s.account).isEqualTo("acct");
    assertThat(s.container).isEqualTo("ctr");
    assertThat(s.prefix).isEqualTo("some/prefix");
    assertThat(s.uri).hasToString("azureblob://acct/ctr/some/prefix");
    assertThat(s.endpoint).isEqualTo("https://acct.blob.core.windows.net");
    assertThat(s.blockSize).isEqualTo(4 * 1024 * 1024);
    assertThat(s.parallelism).isEqualTo(4);
    assertThat(parse("azureblob://acct/ctr", Map.of("accountKey", KEY), Map.of()).prefix).isEmpty();
  }

  @Test
  void takesNonSecretSettingsFromTheQueryAndTheCallersSettingsOverThem() {
    AzureBlobSettings s = parse("azureblob://acct/ctr?blockSize=1m&parallelism=2&accountKeyEnv=MY_KEY",
        Map.of("parallelism", "8"), Map.of("MY_KEY", KEY));
    assertThat(s.blockSize).isEqualTo(1024 * 1024);
    assertThat(s.parallelism).isEqualTo(8);
    assertThat(s.accountKey).isEqualTo(KEY);
    assertThat(s.credentialSource).isEqualTo("environment variable MY_KEY");
  }

  @Test
  void prefersTheConnectionStringThenTheKeyFromTheEnvironment() {
    String cs = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + KEY + ";EndpointSuffix=core.windows.net";
    AzureBlobSettings both = parse("azureblob://acct/ctr", Map.of(),
        Map.of("AZURE_STORAGE_CONNECTION_STRING", cs, "AZURE_STORAGE_KEY", KEY));
    assertThat(both.connectionString).isEqualTo(cs);
    assertThat(both.endpoint).isNull();
    assertThat(both.credentialSource).isEqualTo("environment variable AZURE_STORAGE_CONNECTION_STRING");
    AzureBlobSettings key = parse("azureblob://acct/ctr", Map.of(), Map.of("AZURE_STORAGE_KEY", KEY,
        "AZURE_STORAGE_ACCOUNT", "acct"));
    assertThat(key.accountKey).isEqualTo(KEY);
    assertThat(key.credentialSource).isEqualTo("environment variable AZURE_STORAGE_KEY");
    assertThat(parse("azureblob://acct/ctr", Map.of("accountKey", KEY), Map.of("AZURE_STORAGE_CONNECTION_STRING",
        cs)).credentialSource).isEqualTo("setting accountKey");
  }

  @Test
  void refusesMissingOrMismatchedCredentialsInOneLine() {
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of(), Map.of()))
        .isInstanceOf(UserException.class)
        .hasMessage("datastore azureblob://acct/ctr: no credentials -- set AZURE_STORAGE_CONNECTION_STRING, or "
            + "AZURE_STORAGE_KEY to the key of account 'acct', or pass the setting connectionString or accountKey");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of(), Map.of("AZURE_STORAGE_KEY", KEY,
        "AZURE_STORAGE_ACCOUNT", "other")))
        .hasMessage("datastore azureblob://acct/ctr: AZURE_STORAGE_KEY is the key of account 'other' "
            + "(AZURE_STORAGE_ACCOUNT), not of 'acct' -- set the key of 'acct'");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of("connectionString", "AccountName=other;AccountKey="
        + KEY), Map.of()))
        .hasMessage("datastore azureblob://acct/ctr: the connection string from setting connectionString is for "
            + "account 'other', not 'acct'");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of("accountKeyEnv", "NOPE"), Map.of()))
        .hasMessage("datastore azureblob://acct/ctr: environment variable NOPE (named by the setting accountKeyEnv) "
            + "is not set");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of("accountKey", "not base64!"), Map.of()))
        .hasMessage("datastore azureblob://acct/ctr: the account key from setting accountKey is not a base64 key");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of("connectionString", "garbage-secret"), Map.of()))
        .hasMessage("datastore azureblob://acct/ctr: the connection string from setting connectionString is not "
            + "Key=Value pairs separated by ';'");
  }

  @Test
  void refusesSecretsInTheUri() {
    assertThatThrownBy(() -> parse("azureblob://acct/ctr?accountKey=" + KEY, Map.of(), Map.of()))
        .isInstanceOf(UserException.class)
        .hasMessage("datastore azureblob://acct/ctr: the secret accountKey does not belong in the URI -- pass it as "
            + "a setting, or name an environment variable with accountKeyEnv");
    assertThatThrownBy(() -> parse("azureblob://user:" + "pw@acct/ctr", Map.of("accountKey", KEY), Map.of()))
        .hasMessageNotContaining("pw")
        .hasMessageContaining("credentials do not belong in the URI");
  }

  @Test
  void refusesBadUrisAndSettingsNamingThem() {
    assertThatThrownBy(() -> parse("azureblob://acct", Map.of("accountKey", KEY), Map.of()))
        .hasMessage("datastore azureblob://acct/: no container -- give azureblob://acct/container/prefix");
    assertThatThrownBy(() -> parse("azureblob://Acct_1/ctr", Map.of("accountKey", KEY), Map.of()))
        .hasMessageContaining("storage account 'Acct_1' must be 3 to 24 lower-case letters and digits");
    assertThatThrownBy(() -> parse("azureblob://acct/Bad--Name", Map.of("accountKey", KEY), Map.of()))
        .hasMessageContaining("container 'Bad--Name' must be 3 to 63 lower-case letters");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr/a/../b", Map.of("accountKey", KEY), Map.of()))
        .hasMessageContaining("its prefix is not valid");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of("accountKey", KEY, "blocksize", "1m"), Map.of()))
        .hasMessage("datastore azureblob://acct/ctr: unknown settings [blocksize] (known: [accountKey, "
            + "accountKeyEnv, blockSize, connectionString, connectionStringEnv, endpoint, maxTries, parallelism])");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of("accountKey", KEY, "blockSize", "1g"), Map.of()))
        .hasMessage("datastore azureblob://acct/ctr: setting blockSize must be bytes from 1k to 256m (such as 4m), "
            + "was '1g'");
    assertThatThrownBy(() -> parse("azureblob://acct/ctr", Map.of("accountKey", KEY, "endpoint", "ftp://x"),
        Map.of())).hasMessageStartingWith("datastore azureblob://acct/ctr: setting endpoint must be an http(s) URL");
  }

  @Test
  void neverShowsSecretsInToString() {
    String cs = "AccountName=acct;AccountKey=" + KEY;
    AzureBlobSettings s = parse("azureblob://acct/ctr", Map.of("connectionString", cs), Map.of());
    try (Datastore store = Datastores.open("azureblob://acct/ctr", Map.of("connectionString", cs))) {
      for (String shown : new String[] {s.toString(), store.toString(), store.uri().toString()}) {
        assertThat(shown).doesNotContain(KEY).doesNotContain("AccountKey");
      }
      assertThat(store.toString()).contains("connection string from setting connectionString (hidden)");
    }
  }

  @Test
  void anUnreachableEndpointIsOneLineNamingTheUri() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again below: nothing listens there
    }
    String endpoint = "http://127.0.0.1:" + port + "/acct";
    try (Datastore store = Datastores.open("azureblob://acct/ctr/p", Map.of("accountKey", KEY, "endpoint", endpoint,
        "maxTries", "1"))) {
      DatastoreException e = org.junit.jupiter.api.Assertions.assertThrows(DatastoreException.class,
          () -> store.list(""));
      assertThat(e.getMessage())
          .startsWith("azureblob://acct/ctr/p: cannot list the objects: cannot reach " + endpoint + " (")
          .endsWith(") -- check the endpoint and the network")
          .doesNotContain("\n");
      assertThat(stackTrace(e)).doesNotContain(KEY);
      assertThatThrownBy(() -> store.write("k", new java.io.ByteArrayInputStream(new byte[3])))
          .hasMessageStartingWith("azureblob://acct/ctr/p: cannot write 'k': cannot reach " + endpoint);
    }
  }

  static String stackTrace(Throwable e) {
    StringWriter out = new StringWriter();
    e.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
