package io.pipewright.testing;

import io.pipewright.Workspace;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a JUnit 5 test a real, empty, temporary {@link Workspace}: its own folder, SQLite run store and local target,
 * closed and deleted when the test ends.
 *
 * <pre>{@code
 * @ExtendWith(PipewrightExtension.class)
 * class MyPipelineTest {
 *   @Test
 *   void trains(Workspace ws) {
 *     Run run = ws.submit(MyPipelines.training()).await();
 *     assertThat(run.succeeded()).isTrue();
 *   }
 * }
 * }</pre>
 */
public final class PipewrightExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
      PipewrightExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Workspace.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    try {
      // One workspace per test (or per parameter of a lifecycle method). JUnit closes AutoCloseable store values,
      // and so the workspace, when the test's context ends.
      return context.getStore(NAMESPACE).getOrComputeIfAbsent(parameter.getDeclaringExecutable().toString()
          + "#" + parameter.getIndex(), key -> Workspace.temporary(), Workspace.class);
    } catch (RuntimeException e) {
      throw new ParameterResolutionException("could not open a temporary workspace: " + e.getMessage(), e);
    }
  }

}
