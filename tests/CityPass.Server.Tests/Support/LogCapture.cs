using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CityPass.Server.Tests.Support;

/// <summary>Keeps every log line the app writes (category, formatted message, exception), to check what never appears in logs.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, string Line)> _lines = new();

    public IReadOnlyList<(string Category, string Line)> Lines => [.. _lines];

    /// <summary>The newest <paramref name="count"/> lines, oldest first (for a failure's message).</summary>
    public IReadOnlyList<(string Category, string Line)> Recent(int count) => [.. _lines.TakeLast(count)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<(string, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((category, formatter(state, exception) + " " + exception));
    }
}
