using System.Net;
using System.Text.RegularExpressions;

namespace CityPass.Server.Tests.Support;

/// <summary>
/// A browser at the admin console, without the browser: it keeps the cookies, and posts forms the
/// way a page does, with the antiforgery token read from the page it would be on.
/// </summary>
public sealed partial class ConsoleClient(HttpClient http, CookieContainer cookies)
{
    public HttpClient Http => http;

    /// <summary>Its cookie jar: another console client given the same jar is the same browser (e.g. at another replica).</summary>
    public CookieContainer Cookies => cookies;

    /// <summary>Opens <paramref name="pageUrl"/> and posts its form (to <paramref name="handler"/>, if named) with the page's antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pageUrl, string? handler, params (string Name, string Value)[] fields)
    {
        var page = await http.GetAsync(pageUrl);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET {pageUrl} answered {page.StatusCode}");
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync());
        Assert.True(token.Success, $"{pageUrl} has no form with an antiforgery token");
        var url = handler is null ? pageUrl : pageUrl + (pageUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "handler=" + handler;
        var form = new FormUrlEncodedContent([.. fields.Select(f => KeyValuePair.Create(f.Name, f.Value)), KeyValuePair.Create("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value))]);
        return await http.PostAsync(url, form);
    }

    public async Task<HttpResponseMessage> SignInAsync(string username, string password) =>
        await PostFormAsync("/admin/signin", null, ("username", username), ("password", password));

    [GeneratedRegex(@"name=""__RequestVerificationToken""[^>]*value=""([^""]+)""")]
    private static partial Regex AntiforgeryToken();
}
