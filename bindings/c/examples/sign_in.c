/* A whole sign-in through the C ABI (the README's example). The application brings the two
 * functions declared first: its HTTP client and its user interface. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cognito_signin.h"

/* Posts the step's request.body to the endpoint with the headers X-Amz-Target:
 * request.target and Content-Type: request.contentType; returns the Reply JSON,
 * {"status": 200, "body": "<the body>", "date": "<the Date header>"}, in memory from malloc
 * (NULL when the request could not be sent). */
char *post_request(const uint8_t *step_json, size_t len);
/* Asks the user what the step's prompt.challenge asks for; returns the Answer JSON, such as
 * {"type": "code", "code": "123456"}, in memory from malloc. */
char *ask_user(const uint8_t *step_json, size_t len);

/* Signs in. On success returns the done step, {"type": "done", "signedIn": {"tokens": …}},
 * which the caller frees with cognito_signin_step_free; on failure prints the error and
 * returns NULL. */
cognito_signin_step *sign_in(const char *config, const char *start) {
    cognito_signin_conversation *conv = NULL;
    cognito_signin_step *step = NULL, *done = NULL;
    /* NULL: the operating system's random generator. */
    cognito_signin_result rc = cognito_signin_conversation_new(NULL, NULL, &conv);
    if (rc != COGNITO_SIGNIN_RESULT_OK) return NULL;
    rc = cognito_signin_conversation_start(conv, (const uint8_t *)config, strlen(config),
                                           (const uint8_t *)start, strlen(start),
                                           (uint64_t)time(NULL), &step);
    while (rc == COGNITO_SIGNIN_RESULT_OK) {
        cognito_signin_step_type type;
        const uint8_t *json; /* lent by the step until it is freed */
        size_t len;
        cognito_signin_step_get_type(step, &type);
        cognito_signin_step_get_json(step, &json, &len);
        if (type == COGNITO_SIGNIN_STEP_TYPE_DONE) {
            done = step;
            step = NULL;
            break;
        }
        int send = type == COGNITO_SIGNIN_STEP_TYPE_SEND;
        char *input = send ? post_request(json, len) : ask_user(json, len);
        if (input == NULL) break;
        cognito_signin_step *next = NULL;
        uint64_t now = (uint64_t)time(NULL);
        rc = send ? cognito_signin_conversation_handle(conv, (const uint8_t *)input,
                                                       strlen(input), now, &next)
                  : cognito_signin_conversation_answer(conv, (const uint8_t *)input,
                                                       strlen(input), now, &next);
        explicit_bzero(input, strlen(input)); /* replies hold tokens, answers codes */
        free(input);
        cognito_signin_step_free(step); /* wipes the text it lent */
        step = next;
    }
    if (rc != COGNITO_SIGNIN_RESULT_OK) {
        /* {"type":"service","kind":"NotAuthorizedException","field":null,"status":400,…} */
        char err[4096];
        size_t n;
        if (cognito_signin_conversation_last_error(conv, (uint8_t *)err, sizeof err, &n) ==
            COGNITO_SIGNIN_RESULT_OK)
            fprintf(stderr, "sign-in failed (%u): %s\n", (unsigned)rc, err);
    }
    cognito_signin_step_free(step);
    cognito_signin_conversation_free(conv);
    return done;
}
