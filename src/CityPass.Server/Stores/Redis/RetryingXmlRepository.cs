using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The Data Protection key ring's repository in Redis, read again when a read times out. The ring is read
/// synchronously, on the first console request after a start and about once a day after, under the multiplexer's sync
/// timeout, which is the gates' scan budget (250 ms): on a busy machine one cold read could miss it, and a console page
/// answered 503 for nothing a second try would not fix (seen in CI, 2026-12-03). A page may wait a few hundred
/// milliseconds more, once; Redis that is really down still fails after <see cref="Attempts"/> tries.
/// Writes (a new key, at first start and every 90 days) are not retried: one that timed out may have landed, and a key
/// stored twice would be two keys; the next read finds it, or the next request makes one.
/// </summary>
public sealed class RetryingXmlRepository(IXmlRepository inner) : IXmlRepository
{
    public const int Attempts = 4;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return inner.GetAllElements();
            }
            catch (Exception e) when (attempt < Attempts && e is RedisTimeoutException or RedisConnectionException)
            {
                // A connection being re-established answers at once: give it a moment before the next try.
                Thread.Sleep(50 * attempt);
            }
        }
    }

    public void StoreElement(XElement element, string friendlyName) => inner.StoreElement(element, friendlyName);
}
