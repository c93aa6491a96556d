using System.Security.Cryptography;
using System.Text;
using CityPass.Server.Auth;
using CityPass.Server.Keys;
using CityPass.Server.Problems;
using CityPass.Server.Scans;

namespace CityPass.Server.Citizens;

public sealed record CitizenSession(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Citizens sign in with their phone and a one-time code. Asking for a code answers the same whether
/// or not the phone is known (no enumeration); codes live five minutes, burn after five wrong tries,
/// and a phone gets at most five codes an hour.
/// </summary>
public sealed class CitizenSignIn(ICitizenStore citizens, IHotState hot, ISmsSender sms, SignInTokens tokens, KeyMaterial keys)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(5);
    public const int MaxAttempts = 5;
    public const int MaxCodesPerHour = 5;

    public async Task<Failure?> RequestCodeAsync(string? phoneText, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalise(phoneText, out var phone)) return Failure.Invalid("phone", "A phone number is 6 to 15 digits, optionally with a leading +.");
        if (await citizens.FindByPhoneAsync(phone, cancellationToken) is null) return null;
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        // Over the hourly cap the answer stays the same (no enumeration, no hint): just no new code.
        if (!await hot.TryStoreOtpAsync(phone, HashCode(phone, code), CodeLifetime, MaxCodesPerHour, cancellationToken)) return null;
        await sms.SendAsync(phone, $"CityPass sign-in code {code} (valid 5 minutes). 一码通城验证码 {code}", cancellationToken);
        return null;
    }

    public async Task<Outcome<CitizenSession>> VerifyAsync(string? phoneText, string? code, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.TryNormalise(phoneText, out var phone)) return Failure.Invalid("phone", "A phone number is 6 to 15 digits, optionally with a leading +.");
        if (code is null || code.Length != 6 || !code.All(char.IsAsciiDigit)) return Failure.Invalid("code", "The code is six digits.");
        var check = await hot.CheckOtpAsync(phone, HashCode(phone, code), MaxAttempts, cancellationToken);
        switch (check)
        {
            case OtpCheck.Invalid: return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.OtpInvalid, "The code is wrong.");
            case OtpCheck.Missing: return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.OtpMissing, "No valid code for this phone: ask for a new one.");
            case OtpCheck.TooManyAttempts: return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.OtpTooManyAttempts, "Too many wrong codes: ask for a new one.");
            case OtpCheck.Valid: break;
        }
        var citizen = await citizens.FindByPhoneAsync(phone, cancellationToken);
        if (citizen is null) return new Failure(StatusCodes.Status401Unauthorized, ProblemCodes.OtpMissing, "No valid code for this phone: ask for a new one.");
        var (token, expiresAt) = tokens.ForCitizen(citizen.Id);
        return new CitizenSession(token, expiresAt);
    }

    // Keyed, so a leaked hot store does not give away codes by brute force of six digits.
    private byte[] HashCode(string phone, string code) => HMACSHA256.HashData(keys.JwtKey, Encoding.UTF8.GetBytes($"otp:{phone}:{code}"));
}
