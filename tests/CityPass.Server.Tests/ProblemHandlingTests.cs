using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>Bodies the framework cannot bind get their codes from the exception's type and the request, never from its English message.</summary>
public sealed class ProblemHandlingTests() : AppTest(StoreMode.Embedded)
{
    [Theory]
    [InlineData("{\"text\": \"CP1:", "malformed_json")]           // truncated
    [InlineData("[1, 2, 3]", "malformed_json")]                    // an array for an object
    [InlineData("{\"text\": 5}", "malformed_json")]                // a number for a string
    [InlineData("{\"scanId\": \"not-a-guid\"}", "malformed_json")] // a string that is no Guid
    [InlineData("\"just a string\"", "malformed_json")]
    [InlineData("", "body_required")]
    [InlineData("null", "bad_request")]                            // valid JSON, but no object
    public async Task EachUnbindableBodyGetsAStableCode(string body, string code)
    {
        var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Gate", App.Demo.Gates[0].Credential);

        var response = await http.PostAsync("/v1/scans", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
