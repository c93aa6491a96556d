namespace CityPass.Server.Citizens;

/// <summary>Phone numbers as stored and compared: '+' and digits only, 6 to 15 digits (E.164 length).</summary>
public static class PhoneNumbers
{
    public static bool TryNormalise(string? text, out string phone)
    {
        phone = "";
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32) return false;
        var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
        var valid = digits.Length is >= 6 and <= 15 && text.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')');
        if (valid) phone = (text.TrimStart().StartsWith('+') ? "+" : "") + digits;
        return valid;
    }

    /// <summary>For logs and screens: +86138****5678.</summary>
    public static string Mask(string phone) => phone.Length <= 8 ? new string('*', phone.Length) : phone[..^8] + "****" + phone[^4..];
}
