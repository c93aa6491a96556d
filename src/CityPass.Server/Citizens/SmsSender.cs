using System.Collections.Concurrent;

namespace CityPass.Server.Citizens;

/// <summary>The port through which one-time codes leave the system: <see cref="HttpSmsGateway"/> in production.</summary>
public interface ISmsSender
{
    /// <summary>True when the message was handed over; false when it could not be (the caller takes the code back).</summary>
    Task<bool> SendAsync(string phone, string message, CancellationToken cancellationToken);
}

/// <summary>
/// The embedded default and Development only: no SMS leaves the machine. Messages are written to the
/// console log (that is the point: the developer reads the code there) and kept in a small outbox
/// the development-only endpoint serves. Registered nowhere else: on real stores outside Development
/// anyone could read any citizen's code from the outbox and sign in as them.
/// </summary>
public sealed class DevelopmentSmsSender(ILogger<DevelopmentSmsSender> logger) : ISmsSender
{
    private readonly ConcurrentDictionary<string, string> _lastByPhone = new(StringComparer.Ordinal);

    public Task<bool> SendAsync(string phone, string message, CancellationToken cancellationToken)
    {
        _lastByPhone[phone] = message;
        logger.LogInformation("[development SMS] to {Phone}: {Message}", PhoneNumbers.Mask(phone), message);
        return Task.FromResult(true);
    }

    public string? LastMessageTo(string phone) => _lastByPhone.GetValueOrDefault(phone);
}
