package io.pipewright.testlog;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** What went to SLF4J during the tests (INFO and above): filter by logger or MDC, as tests may share the JVM. */
public final class CapturedLogs {
  /** One logged line, with a copy of the MDC at the time. */
  public record Line(String logger, Level level, String message, Throwable error, Map<String, String> mdc) {}

  private static final ConcurrentLinkedQueue<Line> LINES = new ConcurrentLinkedQueue<>();

  private CapturedLogs() {}

  public static List<Line> lines() {
    return List.copyOf(LINES);
  }

  /** The lines logged while the MDC named this run. */
  public static List<Line> ofRun(String runId) {
    return LINES.stream().filter(l -> runId.equals(l.mdc().get("pipewright.run"))).toList();
  }

  static final class Logger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    Logger(String name) {
      this.name = name;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
        Throwable throwable) {
      Map<String, String> mdc = MDC.getCopyOfContextMap();
      LINES.add(new Line(name, level, MessageFormatter.basicArrayFormat(pattern, arguments), throwable,
          mdc == null ? Map.of() : Map.copyOf(mdc)));
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }
}
