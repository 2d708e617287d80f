package io.pipewright.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.pipewright.Pipeline;
import io.pipewright.Run;
import io.pipewright.RunStatus;
import io.pipewright.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PipewrightExtension.class)
class PipewrightExtensionTest {
  private static Path seen;

  @Test
  void givesEachTestAnEmptyWorkingWorkspace(Workspace ws) {
    assertThat(Files.isDirectory(ws.dir())).isTrue();
    assertThat(ws.runs().list(10)).isEmpty();

    Pipeline p = Pipeline.named("hello");
    p.step("say").runs(ctx -> ctx.log().info("hello"));
    Run run = ws.submit(p).await();

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(ws.runs().list(10)).extracting(Run::id).containsExactly(run.id());
    seen = ws.dir();
  }

  @AfterAll
  static void deletesTheWorkspaceAfterTheTest() {
    assertThat(seen).isNotNull();
    assertThat(Files.exists(seen)).isFalse();
  }
}
