using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CityPass.Server.Citizens;

public enum SmsBodyFormat
{
    Json,
    Form,
}

/// <summary>
/// The production SMS gateway (section "Sms:Gateway"): one HTTP POST per message to <see cref="Url"/>,
/// its body <see cref="BodyTemplate"/> with <c>{phone}</c> and <c>{message}</c> filled in (escaped for
/// the format), authenticated by one header whose value is a secret (environment or secret store,
/// never appsettings.json). Unset <see cref="Url"/> means no gateway.
/// </summary>
public sealed class SmsGatewayOptions
{
    public const string Section = "Sms:Gateway";

    public string? Url { get; set; }

    public string AuthHeader { get; set; } = "Authorization";

    /// <summary>The header's value, e.g. "Bearer …" or an API key. Never logged.</summary>
    public string? AuthValue { get; set; }

    public SmsBodyFormat BodyFormat { get; set; } = SmsBodyFormat.Json;

    public string BodyTemplate { get; set; } = """{"to":"{phone}","text":"{message}"}""";

    /// <summary>Per attempt.</summary>
    public double TimeoutSeconds { get; set; } = 5;

    /// <summary>Retries after a timeout, a connection failure, 408, 429 or 5xx (a retry may deliver the same code twice: harmless).</summary>
    public int Retries { get; set; } = 2;

    /// <summary>First retry delay; doubles each retry, with jitter.</summary>
    public int RetryDelayMilliseconds { get; set; } = 200;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    public HttpContent Body(string phone, string message) => BodyFormat switch
    {
        SmsBodyFormat.Json => new StringContent(Fill(JsonString, phone, message), Encoding.UTF8, "application/json"),
        SmsBodyFormat.Form => new StringContent(Fill(Uri.EscapeDataString, phone, message), Encoding.UTF8, "application/x-www-form-urlencoded"),
    };

    private string Fill(Func<string, string> escape, string phone, string message) =>
        BodyTemplate.Replace("{phone}", escape(phone), StringComparison.Ordinal).Replace("{message}", escape(message), StringComparison.Ordinal);

    // The placeholder sits inside a JSON string; relaxed escaping keeps Chinese readable and still escapes quotes and control characters.
    private static string JsonString(string value) => JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    public IEnumerable<string> Validate()
    {
        if (!IsConfigured) yield break;
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            yield return "Sms:Gateway:Url must be an absolute http(s) URL.";
        }
        else if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            yield return "Sms:Gateway:Url must use https (plain http only to a loopback address): the auth value and the codes would cross the network in clear.";
        }
        if (string.IsNullOrWhiteSpace(AuthHeader) || !AuthHeader.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            yield return "Sms:Gateway:AuthHeader must be a header name (letters, digits, '-').";
        }
        if (AuthValue is not null && AuthValue.Any(char.IsControl)) yield return "Sms:Gateway:AuthValue must not contain control characters.";
        if (!BodyTemplate.Contains("{phone}", StringComparison.Ordinal) || !BodyTemplate.Contains("{message}", StringComparison.Ordinal))
        {
            yield return "Sms:Gateway:BodyTemplate must contain {phone} and {message}.";
        }
        else if (BodyFormat == SmsBodyFormat.Json && !IsJson(Fill(JsonString, "+8613800000000", "a \"sample\"")))
        {
            yield return "Sms:Gateway:BodyTemplate is not JSON once filled in (put the placeholders inside JSON strings).";
        }
        if (TimeoutSeconds is <= 0 or > 60) yield return "Sms:Gateway:TimeoutSeconds must be more than 0 and at most 60.";
        if (Retries is < 0 or > 5) yield return "Sms:Gateway:Retries must be 0 to 5.";
        if (RetryDelayMilliseconds is < 0 or > 10_000) yield return "Sms:Gateway:RetryDelayMilliseconds must be 0 to 10000.";
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
