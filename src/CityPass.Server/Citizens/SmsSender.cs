using System.Collections.Concurrent;

namespace CityPass.Server.Citizens;

/// <summary>The port through which one-time codes leave the system. A real SMS gateway plugs in here.</summary>
public interface ISmsSender
{
    Task SendAsync(string phone, string message, CancellationToken cancellationToken);
}

/// <summary>
/// Development and the embedded default: no SMS leaves the machine. Messages are written to the
/// console log (that is the point: the developer reads the code there) and kept in a small outbox
/// the development-only endpoint serves. Never registered in production.
/// </summary>
public sealed class DevelopmentSmsSender(ILogger<DevelopmentSmsSender> logger) : ISmsSender
{
    private readonly ConcurrentDictionary<string, string> _lastByPhone = new(StringComparer.Ordinal);

    public Task SendAsync(string phone, string message, CancellationToken cancellationToken)
    {
        _lastByPhone[phone] = message;
        logger.LogInformation("[development SMS] to {Phone}: {Message}", PhoneNumbers.Mask(phone), message);
        return Task.CompletedTask;
    }

    public string? LastMessageTo(string phone) => _lastByPhone.GetValueOrDefault(phone);
}
