package io.pipewright.compute.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A stand-in {@code nvidia-smi}: a bash script that prints the lines it was given, or fails. No GPU needed. */
final class FakeNvidiaSmi {
  private FakeNvidiaSmi() {}

  /** A script in {@code dir} printing {@code n} devices, {@code 0, Fake GPU 0, 81559 MiB} and so on. */
  static Path withDevices(Path dir, int n) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < n; i++) {
      lines.append(i).append(", Fake GPU ").append(i).append(", 81559 MiB\n");
    }
    return printing(dir, lines.toString());
  }

  /** A script printing {@code output} when asked for index,name,memory.total as CSV without header. */
  static Path printing(Path dir, String output) throws IOException {
    Path data = Files.createTempFile(dir, "nvidia-smi-", ".out");
    Files.writeString(data, output);
    data.toFile().deleteOnExit();
    return script(dir, "if [ \"$1\" != \"--query-gpu=index,name,memory.total\" ] || [ \"$2\" != \"--format=csv,noheader\" ];"
        + " then echo \"unexpected arguments: $*\" >&2; exit 2; fi\ncat '" + data + "'\n");
  }

  /** A script that fails as nvidia-smi does without a driver. */
  static Path failing(Path dir) throws IOException {
    return script(dir, "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\" >&2\n"
        + "echo \"Make sure that the latest NVIDIA driver is installed and running.\" >&2\nexit 9\n");
  }

  private static Path script(Path dir, String body) throws IOException {
    Path script = Files.createTempFile(dir, "nvidia-smi-", ".sh");
    Files.writeString(script, "#!/bin/bash\n" + body);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    script.toFile().deleteOnExit();
    return script;
  }
}
