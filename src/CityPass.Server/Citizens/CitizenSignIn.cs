using System.Security.Cryptography;
using System.Text;
using CityPass.Server.Auth;
using CityPass.Server.Keys;
using CityPass.Server.Problems;

namespace CityPass.Server.Citizens;

public sealed record CitizenSession(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Citizens sign in with their phone and a one-time code. Nothing answers differently for a phone
/// that is not registered (no enumeration): asking for a code stores one for any phone (an unknown
/// phone's is random and never sent), so a wrong guess meets a stored code either way. Codes live five
/// minutes and burn after five wrong tries; a phone gets at most five codes and ten wrong guesses an
/// hour, over all its codes.
/// </summary>
public sealed class CitizenSignIn(ICitizenStore citizens, IOneTimeCodes codes, ISmsSender sms, SignInTokens tokens, KeyMaterial keys)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(5);
    public const int MaxAttempts = 5;
    public const int MaxCodesPerHour = 5;
    public const int MaxWrongGuessesPerHour = 10;

    public async Task<Failure?> RequestCodeAsync(string? phoneText, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalise(phoneText, out var phone)) return Failure.Invalid("phone", "A phone number is 6 to 15 digits, optionally with a leading +.");
        var citizen = await citizens.FindByPhoneAsync(phone, cancellationToken);
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var hash = HashCode(phone, code);
        // Over the hourly cap the answer stays the same (no enumeration, no hint): just no new code.
        if (!await codes.TryStoreOtpAsync(phone, hash, CodeLifetime, MaxCodesPerHour, cancellationToken)) return null;
        if (citizen is null) return null;
        if (await sms.SendAsync(phone, $"CityPass sign-in code {code} (valid 5 minutes). 一码通城验证码 {code}", cancellationToken)) return null;
        // Not sent: take the code back, so it neither waits for a citizen who never got it nor counts against their hour.
        await codes.ReleaseOtpAsync(phone, hash, CancellationToken.None);
        return new Failure(StatusCodes.Status503ServiceUnavailable, ProblemCodes.SmsUnavailable, "The text message could not be sent: try again in a minute.");
    }

    public async Task<Outcome<CitizenSession>> VerifyAsync(string? phoneText, string? code, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalise(phoneText, out var phone)) return Failure.Invalid("phone", "A phone number is 6 to 15 digits, optionally with a leading +.");
        if (code is null || code.Length != 6 || !code.All(char.IsAsciiDigit)) return Failure.Invalid("code", "The code is six digits.");
        var check = await codes.CheckOtpAsync(phone, HashCode(phone, code), MaxAttempts, MaxWrongGuessesPerHour, cancellationToken);
        switch (check)
        {
            case OtpCheck.Invalid: return WrongCode;
            case OtpCheck.Missing: return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.OtpMissing, "No valid code for this phone: ask for a new one.");
            case OtpCheck.TooManyAttempts: return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.OtpTooManyAttempts, "Too many wrong codes: ask for a new one.");
            case OtpCheck.Locked: return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.OtpLocked, "Too many wrong codes for this phone: try again within the hour.");
            case OtpCheck.Valid: break;
        }
        // An unknown phone's code is never sent; guessing it (one in a million) must still look like a wrong code.
        var citizen = await citizens.FindByPhoneAsync(phone, cancellationToken);
        if (citizen is null) return WrongCode;
        var (token, expiresAt) = tokens.ForCitizen(citizen.Id);
        return new CitizenSession(token, expiresAt);
    }

    private static Failure WrongCode => new(StatusCodes.Status401Unauthorized, ProblemCodes.OtpInvalid, "The code is wrong.");

    // Keyed with a key of its own, so a leaked hot store does not give away codes by brute force of six digits.
    internal byte[] HashCode(string phone, string code) => HMACSHA256.HashData(keys.OtpKey, Encoding.UTF8.GetBytes($"otp:{phone}:{code}"));
}
