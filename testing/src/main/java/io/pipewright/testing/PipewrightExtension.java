package io.pipewright.testing;

import io.pipewright.Workspace;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a JUnit 5 test a real, empty, temporary workspace: its own folder, SQLite run store and local target, closed
 * and deleted when the test ends. Ask for a {@link TestWorkspace} (with helpers to run pipelines with stand-ins, and
 * single steps) or a plain {@link Workspace}.
 *
 * <pre>{@code
 * @ExtendWith(PipewrightExtension.class)
 * class MyPipelineTest {
 *   @Test
 *   void trains(TestWorkspace ws) {
 *     Run run = ws.run(MyPipelines.training(), Map.of("epochs", 2));
 *     assertThat(run).succeeded().step("evaluate").metric("accuracy").isGreaterThan(0.8);
 *   }
 * }
 * }</pre>
 *
 * <p>Each parameter gets its own workspace; one asked for by a {@code @BeforeEach} method lives for that test, one
 * asked for by a {@code @BeforeAll} method for the whole class.
 */
public final class PipewrightExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
      PipewrightExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == Workspace.class || type == TestWorkspace.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    TestWorkspace ws;
    try {
      // One workspace per parameter. JUnit closes AutoCloseable store values, and so the workspace, when the
      // context ends.
      ws = context.getStore(NAMESPACE).getOrComputeIfAbsent(parameter.getDeclaringExecutable().toString()
          + "#" + parameter.getIndex(), key -> TestWorkspace.temporary(), TestWorkspace.class);
    } catch (RuntimeException e) {
      throw new ParameterResolutionException("could not open a temporary workspace: " + e.getMessage(), e);
    }
    return parameter.getParameter().getType() == Workspace.class ? ws.workspace() : ws;
  }
}
