package io.pipewright.examples;

import java.text.MessageFormat;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * Sends what Tribuo logs through {@code java.util.logging} to SLF4J, where the rest of Pipewright's logging goes:
 * otherwise its progress lines land on standard error whatever the logging configuration says (the command line
 * shows warnings only). Only the {@code org.tribuo} loggers are redirected; the JVM's other {@code java.util.logging}
 * users are left alone.
 *
 * <p>Installed once per JVM by {@link #redirect()}, which the steps that call Tribuo call first; thread-safe.
 */
final class TribuoLogging {
  /** Held here: {@code java.util.logging} keeps its loggers weakly, and would forget the settings with the logger. */
  private static final java.util.logging.Logger TRIBUO = java.util.logging.Logger.getLogger("org.tribuo");
  private static boolean redirected;

  private TribuoLogging() {}

  static synchronized void redirect() {
    if (redirected) {
      return;
    }
    TRIBUO.addHandler(new ToSlf4j());
    TRIBUO.setUseParentHandlers(false);
    redirected = true;
  }

  private static final class ToSlf4j extends Handler {
    @Override
    public void publish(LogRecord record) {
      org.slf4j.Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? "org.tribuo"
          : record.getLoggerName());
      String message = record.getMessage();
      Object[] parameters = record.getParameters();
      if (message != null && parameters != null && parameters.length > 0) {
        try {
          message = MessageFormat.format(message, parameters);
        } catch (IllegalArgumentException e) {
          // Not a MessageFormat pattern after all: the message as it is beats no message.
        }
      }
      int level = record.getLevel().intValue();
      if (level >= Level.SEVERE.intValue()) {
        logger.error(message, record.getThrown());
      } else if (level >= Level.WARNING.intValue()) {
        logger.warn(message, record.getThrown());
      } else if (level >= Level.INFO.intValue()) {
        logger.info(message, record.getThrown());
      } else if (level >= Level.FINE.intValue()) {
        logger.debug(message, record.getThrown());
      } else {
        logger.trace(message, record.getThrown());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
