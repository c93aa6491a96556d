using CityPass.Server.Admin;
using CityPass.Server.Operators;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Pages.Admin;

/// <summary>Console sign-in: the API's password check (<see cref="OperatorService.SignInAsync"/>), then the console cookie.</summary>
public sealed class SignInModel(OperatorService operators) : ConsolePageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var outcome = await operators.SignInAsync(new SignInRequest(Username, Password), SignInChannel.Console, ct);
        if (outcome.Failure is { } failure)
        {
            Error = failure.Status switch
            {
                StatusCodes.Status401Unauthorized => "Wrong username or password.",
                StatusCodes.Status403Forbidden => failure.Title,
                _ => "Enter a username and a password.",
            };
            Response.StatusCode = failure.Status;
            return Page();
        }
        await HttpContext.SignInAsync(ConsoleCookie.Scheme, ConsoleCookie.PrincipalFor(outcome.Value.Operator));
        // Only back into the console: a returnUrl elsewhere would make this page an open redirect.
        var target = ReturnUrl is { } r && Url.IsLocalUrl(r) && r.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? r : "/admin";
        return LocalRedirect(target);
    }
}
