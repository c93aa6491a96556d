namespace CityPass.Server.Citizens;

/// <summary>
/// The citizens' sign-in codes, kept in the hot state (Redis, or memory when embedded): a code lives minutes. An
/// interface of its own so that sign-in need not know the scan path that shares the store.
/// </summary>
public interface IOneTimeCodes
{
    /// <summary>
    /// Keeps a one-time code's hash for <paramref name="ttl"/>, replacing any earlier one for the
    /// phone, unless the phone was given <paramref name="maxCodesPerHour"/> codes in the current hour:
    /// then nothing changes and the answer is false. The cap bounds both guessing (a new code would
    /// otherwise bring fresh tries) and text-message flooding of one phone.
    /// </summary>
    Task<bool> TryStoreOtpAsync(string phone, byte[] codeHash, TimeSpan ttl, int maxCodesPerHour, CancellationToken cancellationToken);

    /// <summary>
    /// Takes back a code whose text message could not be sent: removes it if it is still the phone's
    /// code, and gives back the one of the hour's codes it used, so a gateway outage neither leaves a
    /// code nobody received nor eats the citizen's allowance.
    /// </summary>
    Task ReleaseOtpAsync(string phone, byte[] codeHash, CancellationToken cancellationToken);

    /// <summary>
    /// Checks (in constant time) and, when valid, consumes the code; counts wrong tries of the code up
    /// to <paramref name="maxAttempts"/> (then it is burnt), and wrong guesses of the phone, over all
    /// its codes, up to <paramref name="maxWrongPerHour"/> in a fixed hour (then every check answers
    /// <see cref="OtpCheck.Locked"/>, the right code too, until the hour ends): five codes an hour must
    /// not mean five times the guesses.
    /// </summary>
    Task<OtpCheck> CheckOtpAsync(string phone, byte[] codeHash, int maxAttempts, int maxWrongPerHour, CancellationToken cancellationToken);
}
