package io.pipewright.internal.engine;

import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * The logger a step gets: INFO and above always go to the step's log in the run store (whatever the SLF4J backend is
 * set to), and every line also goes to SLF4J as {@code io.pipewright.step.STEP}.
 */
final class StepLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  private final transient Logger delegate;
  private final transient BiConsumer<String, String> sink;

  /** @param sink receives (level, formatted line) */
  StepLogger(String step, BiConsumer<String, String> sink) {
    this.name = "io.pipewright.step." + step;
    this.delegate = LoggerFactory.getLogger(name);
    this.sink = sink;
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
      Throwable throwable) {
    String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
    if (throwable != null) {
      message = message + " -- " + throwable;
    }
    sink.accept(level.name(), message);
    switch (level) {
      case ERROR -> delegate.error(message, throwable);
      case WARN -> delegate.warn(message, throwable);
      case INFO -> delegate.info(message, throwable);
      case DEBUG -> delegate.debug(message, throwable);
      case TRACE -> delegate.trace(message, throwable);
    }
  }

  @Override
  public boolean isTraceEnabled() {
    return delegate.isTraceEnabled();
  }

  @Override
  public boolean isDebugEnabled() {
    return delegate.isDebugEnabled();
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
