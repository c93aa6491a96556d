using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CityPass.Server.Citizens;

namespace CityPass.Server.Tests.Support;

/// <summary>
/// The tests' seam for one-time codes: the fixture puts it in place of the server's SMS sender, so a
/// test reads the code a citizen would have received, on any store mode and environment.
/// </summary>
public sealed partial class TestSmsSender : ISmsSender
{
    private readonly ConcurrentDictionary<string, string> _lastByPhone = new(StringComparer.Ordinal);
    private int _sent;

    public int Sent => _sent;

    public Task<bool> SendAsync(string phone, string message, CancellationToken cancellationToken)
    {
        _lastByPhone[phone] = message;
        Interlocked.Increment(ref _sent);
        return Task.FromResult(true);
    }

    public string? LastMessageTo(string phone) => _lastByPhone.GetValueOrDefault(phone);

    public string CodeSentTo(string phone) =>
        SixDigits().Match(LastMessageTo(phone) ?? throw new InvalidOperationException("no code was sent to " + phone)).Value;

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();
}
