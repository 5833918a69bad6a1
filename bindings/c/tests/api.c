/* Every function of the C ABI with NULL and garbage arguments: each gets
 * COGNITO_SIGNIN_RESULT_NULL_PARAMETER or a typed code, never a crash, and nothing changes.
 * The replies are written here (no server): USER_PASSWORD_AUTH answered by a
 * SOFTWARE_TOKEN_MFA challenge brings the conversation to a question. */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <time.h>

#include "common.h"

#define OK COGNITO_SIGNIN_RESULT_OK
#define NULLP COGNITO_SIGNIN_RESULT_NULL_PARAMETER

static const char *CONFIG = "{\"userPoolId\":\"us-east-1_CTests0001\",\"clientId\":\"c1\"}";
static const char *START =
    "{\"flow\":\"USER_PASSWORD_AUTH\",\"username\":\"alice\",\"password\":\"Secret-Pass-1\"}";
static const uint64_t NOW = 1800000000;

#define U8(s) ((const uint8_t *)(s))

/* The `kind` of the conversation's last error, in `out`. */
static void last_kind(const cognito_signin_conversation *c, char *out, size_t cap) {
    char buf[4096];
    size_t n = 0;
    out[0] = 0;
    if (cognito_signin_conversation_last_error(c, (uint8_t *)buf, sizeof buf, &n) != OK) return;
    span e = {buf, n};
    char *kind = json_path_str(e, "kind");
    if (kind) {
        snprintf(out, cap, "%s", kind);
        free(kind);
    }
    CHECK(strstr(buf, "Secret-Pass") == NULL);
}

#define CHECK_KIND(conv, want)                                                     \
    do {                                                                           \
        char k_[128];                                                              \
        last_kind((conv), k_, sizeof k_);                                          \
        if (strcmp(k_, (want)) != 0) {                                             \
            fprintf(stderr, "%s:%d: last error kind %s, expected %s\n", __FILE__,  \
                    __LINE__, k_, (want));                                         \
            failures++;                                                            \
        }                                                                          \
    } while (0)

static int failing_random(void *userdata, uint8_t *buf, size_t len) {
    (void)buf;
    (void)len;
    ++*(int *)userdata;
    return -1;
}

/* A small deterministic generator for the garbage loop (not a random source). */
static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void version_and_messages(void) {
    const char *v = cognito_signin_version();
    CHECK(v && strchr(v, '.'));
    char buf[256];
    size_t n = 12345;
    CHECK_RC(cognito_signin_error_message(OK, NULL, 10, &n), NULLP);
    CHECK_RC(cognito_signin_error_message(OK, (uint8_t *)buf, sizeof buf, NULL), NULLP);
    CHECK_RC(cognito_signin_error_message(12345, (uint8_t *)buf, sizeof buf, &n),
             COGNITO_SIGNIN_RESULT_INVALID_PARAMETER);
    CHECK_RC(cognito_signin_error_message(7000, (uint8_t *)buf, sizeof buf, &n),
             COGNITO_SIGNIN_RESULT_INVALID_PARAMETER);
    CHECK_RC(cognito_signin_error_message(UINT32_MAX, (uint8_t *)buf, sizeof buf, &n),
             COGNITO_SIGNIN_RESULT_INVALID_PARAMETER);
    uint32_t codes[16] = {0};
    for (uint32_t i = 1; i < 16; i++) codes[i] = 7000 + i;
    for (int i = 0; i < 16; i++) {
        n = 0;
        CHECK_RC(cognito_signin_error_message(codes[i], (uint8_t *)buf, 128, &n), OK);
        CHECK(n > 0 && n < 128 && buf[n] == 0 && strlen(buf) == n);
    }
    /* Too small: the buffer is left alone and *written says how much is needed. */
    memset(buf, 'x', sizeof buf);
    CHECK_RC(cognito_signin_error_message(NULLP, (uint8_t *)buf, 4, &n),
             COGNITO_SIGNIN_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == strlen("a pointer argument was NULL") + 1);
    CHECK(buf[0] == 'x');
    size_t need = n;
    CHECK_RC(cognito_signin_error_message(NULLP, (uint8_t *)buf, need, &n), OK);
    CHECK(n == need - 1 && strcmp(buf, "a pointer argument was NULL") == 0);
    CHECK_RC(cognito_signin_error_message(NULLP, (uint8_t *)buf, 0, &n),
             COGNITO_SIGNIN_RESULT_INSUFFICIENT_SIZE);
}

static void handles(void) {
    cognito_signin_conversation *conv = NULL;
    cognito_signin_step *step = NULL;
    CHECK_RC(cognito_signin_conversation_new(NULL, NULL, NULL), NULLP);
    cognito_signin_conversation_free(NULL);
    cognito_signin_step_free(NULL);
    CHECK_RC(cognito_signin_conversation_new(NULL, NULL, &conv), OK);
    CHECK(conv != NULL);

    /* Before the start. */
    char buf[4096];
    size_t n = 0;
    bool finished = true;
    CHECK_RC(cognito_signin_conversation_last_error(conv, (uint8_t *)buf, sizeof buf, &n),
             COGNITO_SIGNIN_RESULT_NO_ERROR);
    CHECK_RC(cognito_signin_conversation_is_finished(conv, &finished), OK);
    CHECK(!finished);
    CHECK_RC(cognito_signin_conversation_username(conv, (uint8_t *)buf, sizeof buf, &n),
             COGNITO_SIGNIN_RESULT_NOT_STARTED);
    const char *reply = "{\"status\":200,\"body\":\"{}\"}";
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(reply), strlen(reply), NOW, &step),
             COGNITO_SIGNIN_RESULT_NOT_STARTED);
    CHECK_KIND(conv, "notStarted");
    CHECK_RC(cognito_signin_conversation_answer(conv, U8("{}"), 2, NOW, &step),
             COGNITO_SIGNIN_RESULT_NOT_STARTED);
    CHECK(step == NULL);

    /* The start: every NULL, then garbage. */
    size_t cl = strlen(CONFIG), sl = strlen(START);
    CHECK_RC(cognito_signin_conversation_start(NULL, U8(CONFIG), cl, U8(START), sl, NOW, &step),
             NULLP);
    CHECK_RC(cognito_signin_conversation_start(conv, NULL, cl, U8(START), sl, NOW, &step), NULLP);
    CHECK_KIND(conv, "nullParameter");
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), cl, NULL, sl, NOW, &step), NULLP);
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), cl, U8(START), sl, NOW, NULL),
             NULLP);
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), SIZE_MAX, U8(START), sl, NOW,
                                               &step),
             COGNITO_SIGNIN_RESULT_INVALID_PARAMETER);
    const char bad_utf8[] = "{\"userPoolId\":\"\xff\xfe\"}";
    CHECK_RC(cognito_signin_conversation_start(conv, U8(bad_utf8), strlen(bad_utf8), U8(START),
                                               sl, NOW, &step),
             COGNITO_SIGNIN_RESULT_INVALID_UTF8);
    CHECK_KIND(conv, "invalidUtf8");
    CHECK_RC(cognito_signin_conversation_start(conv, U8("{"), 1, U8(START), sl, NOW, &step),
             COGNITO_SIGNIN_RESULT_BAD_JSON);
    CHECK_KIND(conv, "badJson");
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), cl, U8("[]"), 2, NOW, &step),
             COGNITO_SIGNIN_RESULT_BAD_JSON);
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), cl, U8(""), 0, NOW, &step),
             COGNITO_SIGNIN_RESULT_BAD_JSON);
    /* A pool id of the wrong form is refused as the configuration is read. */
    const char *bad_pool = "{\"userPoolId\":\"no underscore\",\"clientId\":\"c1\"}";
    CHECK_RC(cognito_signin_conversation_start(conv, U8(bad_pool), strlen(bad_pool), U8(START),
                                               sl, NOW, &step),
             COGNITO_SIGNIN_RESULT_BAD_JSON);
    CHECK_RC(cognito_signin_conversation_last_error(conv, (uint8_t *)buf, sizeof buf, &n), OK);
    CHECK(strstr(buf, "\"field\":\"config\"") != NULL);
    CHECK(step == NULL);

    /* A random source that fails. */
    cognito_signin_conversation *broken = NULL;
    int calls = 0;
    CHECK_RC(cognito_signin_conversation_new(failing_random, &calls, &broken), OK);
    const char *srp = "{\"flow\":\"USER_SRP_AUTH\",\"username\":\"alice\",\"password\":\"pw\"}";
    CHECK_RC(cognito_signin_conversation_start(broken, U8(CONFIG), cl, U8(srp), strlen(srp), NOW,
                                               &step),
             COGNITO_SIGNIN_RESULT_BROKEN_RANDOM_SOURCE);
    CHECK(calls > 0);
    CHECK_KIND(broken, "brokenRandomSource");
    cognito_signin_conversation_free(broken);

    /* Started. */
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), cl, U8(START), sl, NOW, &step),
             OK);
    CHECK(step != NULL);
    CHECK_RC(cognito_signin_conversation_last_error(conv, (uint8_t *)buf, sizeof buf, &n),
             COGNITO_SIGNIN_RESULT_NO_ERROR);
    cognito_signin_step *again = NULL;
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), cl, U8(START), sl, NOW, &again),
             COGNITO_SIGNIN_RESULT_ALREADY_STARTED);
    CHECK(again == NULL);

    /* The step's accessors. */
    cognito_signin_step_type type = 0;
    const uint8_t *json = NULL;
    size_t len = 0;
    CHECK_RC(cognito_signin_step_get_type(NULL, &type), NULLP);
    CHECK_RC(cognito_signin_step_get_type(step, NULL), NULLP);
    CHECK_RC(cognito_signin_step_get_type(step, &type), OK);
    CHECK(type == COGNITO_SIGNIN_STEP_TYPE_SEND);
    CHECK_RC(cognito_signin_step_get_json(NULL, &json, &len), NULLP);
    CHECK_RC(cognito_signin_step_get_json(step, NULL, &len), NULLP);
    CHECK_RC(cognito_signin_step_get_json(step, &json, NULL), NULLP);
    CHECK_RC(cognito_signin_step_get_json(step, &json, &len), OK);
    CHECK(json && len > 0 && json[len] == 0 && strlen((const char *)json) == len);
    span s = {(const char *)json, len};
    char *op = json_path_str(s, "request.operation");
    CHECK(op && strcmp(op, "InitiateAuth") == 0);
    free(op);

    /* Handles of the other type. */
    CHECK_RC(cognito_signin_step_get_type((const cognito_signin_step *)conv, &type),
             COGNITO_SIGNIN_RESULT_INVALID_HANDLE);
    CHECK_RC(cognito_signin_step_get_json((const cognito_signin_step *)conv, &json, &len),
             COGNITO_SIGNIN_RESULT_INVALID_HANDLE);
    CHECK_RC(cognito_signin_conversation_is_finished((const cognito_signin_conversation *)step,
                                                     &finished),
             COGNITO_SIGNIN_RESULT_INVALID_HANDLE);
    CHECK_RC(cognito_signin_conversation_handle((cognito_signin_conversation *)step, U8(reply),
                                                strlen(reply), NOW, &again),
             COGNITO_SIGNIN_RESULT_INVALID_HANDLE);
    /* Not a handle at all: readable, aligned memory of the wrong content; a misaligned one. */
    uint64_t garbage[8];
    memset(garbage, 0xa5, sizeof garbage);
    CHECK_RC(cognito_signin_conversation_is_finished((const cognito_signin_conversation *)garbage,
                                                     &finished),
             COGNITO_SIGNIN_RESULT_INVALID_HANDLE);
    CHECK_RC(cognito_signin_step_get_type((const cognito_signin_step *)garbage, &type),
             COGNITO_SIGNIN_RESULT_INVALID_HANDLE);
    CHECK_RC(cognito_signin_conversation_answer(
                 (cognito_signin_conversation *)((char *)garbage + 1), U8("{}"), 2, NOW, &again),
             COGNITO_SIGNIN_RESULT_INVALID_HANDLE);
    cognito_signin_conversation_free((cognito_signin_conversation *)garbage); /* left alone */
    cognito_signin_step_free((cognito_signin_step *)((char *)garbage + 3));   /* left alone */
    cognito_signin_conversation_free((cognito_signin_conversation *)step); /* left alone */
    cognito_signin_step_free((cognito_signin_step *)conv);                 /* left alone */
    CHECK_RC(cognito_signin_step_get_type(step, &type), OK);
    cognito_signin_step_free(step);
    step = NULL;

    /* Other accessors: NULLs and small buffers. */
    CHECK_RC(cognito_signin_conversation_is_finished(NULL, &finished), NULLP);
    CHECK_RC(cognito_signin_conversation_is_finished(conv, NULL), NULLP);
    CHECK_RC(cognito_signin_conversation_username(NULL, (uint8_t *)buf, sizeof buf, &n), NULLP);
    CHECK_RC(cognito_signin_conversation_username(conv, NULL, sizeof buf, &n), NULLP);
    CHECK_RC(cognito_signin_conversation_username(conv, (uint8_t *)buf, sizeof buf, NULL), NULLP);
    CHECK_RC(cognito_signin_conversation_username(conv, (uint8_t *)buf, 3, &n),
             COGNITO_SIGNIN_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == 6);
    CHECK_RC(cognito_signin_conversation_username(conv, (uint8_t *)buf, 6, &n), OK);
    CHECK(n == 5 && strcmp(buf, "alice") == 0);
    CHECK_RC(cognito_signin_conversation_last_error(NULL, (uint8_t *)buf, sizeof buf, &n), NULLP);
    CHECK_RC(cognito_signin_conversation_last_error(conv, NULL, sizeof buf, &n), NULLP);
    CHECK_RC(cognito_signin_conversation_last_error(conv, (uint8_t *)buf, sizeof buf, NULL),
             NULLP);

    /* Waiting for a reply: an answer is a misuse; NULLs and garbage change nothing. */
    const char *early = "{\"type\":\"code\",\"code\":\"1\"}";
    CHECK_RC(cognito_signin_conversation_answer(conv, U8(early), strlen(early), NOW, &step),
             COGNITO_SIGNIN_RESULT_MISUSE);
    CHECK_KIND(conv, "replyExpected");
    CHECK_RC(cognito_signin_conversation_handle(NULL, U8(reply), strlen(reply), NOW, &step), NULLP);
    CHECK_RC(cognito_signin_conversation_handle(conv, NULL, strlen(reply), NOW, &step), NULLP);
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(reply), strlen(reply), NOW, NULL), NULLP);
    CHECK_KIND(conv, "nullParameter");
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(reply), (size_t)PTRDIFF_MAX + 1, NOW,
                                                &step),
             COGNITO_SIGNIN_RESULT_INVALID_PARAMETER);
    CHECK_RC(cognito_signin_conversation_handle(conv, U8("\xc3\x28"), 2, NOW, &step),
             COGNITO_SIGNIN_RESULT_INVALID_UTF8);
    CHECK_RC(cognito_signin_conversation_handle(conv, U8("{\"status\":\"x\"}"), 14, NOW, &step),
             COGNITO_SIGNIN_RESULT_BAD_JSON);
    CHECK_KIND(conv, "badJson");

    /* Garbage of every kind as replies and answers: typed codes only, the machine unmoved. */
    uint64_t seed = 0x9e3779b97f4a7c15u;
    uint8_t junk[512];
    for (int round = 0; round < 2000; round++) {
        size_t jl = (size_t)(xorshift(&seed) % sizeof junk);
        for (size_t i = 0; i < jl; i++) junk[i] = (uint8_t)xorshift(&seed);
        if (round % 3 == 0 && jl > 2) junk[0] = '{', junk[jl - 1] = '}';
        cognito_signin_step *out = NULL;
        cognito_signin_result rc =
            round % 2 ? cognito_signin_conversation_answer(conv, junk, jl, NOW, &out)
                      : cognito_signin_conversation_handle(conv, junk, jl, NOW, &out);
        CHECK(rc == COGNITO_SIGNIN_RESULT_INVALID_UTF8 || rc == COGNITO_SIGNIN_RESULT_BAD_JSON ||
              rc == COGNITO_SIGNIN_RESULT_MISUSE);
        CHECK(out == NULL);
        cognito_signin_conversation *other = NULL;
        CHECK_RC(cognito_signin_conversation_new(NULL, NULL, &other), OK);
        rc = cognito_signin_conversation_start(other, junk, jl, U8(START), sl, NOW, &out);
        CHECK(rc == COGNITO_SIGNIN_RESULT_INVALID_UTF8 || rc == COGNITO_SIGNIN_RESULT_BAD_JSON);
        CHECK(out == NULL);
        cognito_signin_conversation_free(other);
    }

    /* The service asks for a TOTP code. */
    const char *mfa = "{\"status\":200,\"body\":\"{\\\"ChallengeName\\\":\\\"SOFTWARE_TOKEN_MFA\\\","
                      "\\\"Session\\\":\\\"s1\\\",\\\"ChallengeParameters\\\":{\\\"USER_ID_FOR_SRP\\\":"
                      "\\\"alice\\\"}}\"}";
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(mfa), strlen(mfa), NOW, &step), OK);
    CHECK_RC(cognito_signin_step_get_type(step, &type), OK);
    CHECK(type == COGNITO_SIGNIN_STEP_TYPE_NEED_INPUT);
    cognito_signin_step_free(step);
    step = NULL;
    /* A reply where an answer is due, an answer that does not fit, an empty code. */
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(reply), strlen(reply), NOW, &step),
             COGNITO_SIGNIN_RESULT_MISUSE);
    CHECK_KIND(conv, "answerExpected");
    const char *wrong = "{\"type\":\"rememberDevice\",\"remember\":true}";
    CHECK_RC(cognito_signin_conversation_answer(conv, U8(wrong), strlen(wrong), NOW, &step),
             COGNITO_SIGNIN_RESULT_MISUSE);
    CHECK_KIND(conv, "answerDoesNotFit");
    CHECK_RC(cognito_signin_conversation_answer(conv, NULL, 3, NOW, &step), NULLP);
    CHECK_RC(cognito_signin_conversation_answer(conv, U8("{}"), 2, NOW, NULL), NULLP);
    CHECK_RC(cognito_signin_conversation_answer(conv, U8("\x80"), 1, NOW, &step),
             COGNITO_SIGNIN_RESULT_INVALID_UTF8);
    CHECK_RC(cognito_signin_conversation_answer(conv, U8("{\"type\":\"nope\"}"), 15, NOW, &step),
             COGNITO_SIGNIN_RESULT_BAD_JSON);
    /* The right kind of answer: a request goes out. */
    const char *code = "{\"type\":\"code\",\"code\":\"123456\"}";
    CHECK_RC(cognito_signin_conversation_answer(conv, U8(code), strlen(code), NOW, &step), OK);
    CHECK_RC(cognito_signin_step_get_json(step, &json, &len), OK);
    s.p = (const char *)json, s.n = len;
    char *body = json_path_str(s, "request.body");
    CHECK(body && strstr(body, "SOFTWARE_TOKEN_MFA_CODE") && strstr(body, "123456"));
    free_secret(body);
    cognito_signin_step_free(step);
    step = NULL;

    /* A broken reply ends the sign-in: PROTOCOL_ERROR, then ALREADY_FINISHED. */
    const char *broken_reply = "{\"status\":200,\"body\":\"not json\"}";
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(broken_reply), strlen(broken_reply), NOW,
                                                &step),
             COGNITO_SIGNIN_RESULT_PROTOCOL_ERROR);
    CHECK_RC(cognito_signin_conversation_last_error(conv, (uint8_t *)buf, sizeof buf, &n), OK);
    s.p = buf, s.n = n;
    char *etype = json_path_str(s, "type");
    CHECK(etype && strcmp(etype, "protocol") == 0);
    free(etype);
    CHECK_RC(cognito_signin_conversation_is_finished(conv, &finished), OK);
    CHECK(finished);
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(reply), strlen(reply), NOW, &step),
             COGNITO_SIGNIN_RESULT_ALREADY_FINISHED);
    CHECK_RC(cognito_signin_conversation_answer(conv, U8(code), strlen(code), NOW, &step),
             COGNITO_SIGNIN_RESULT_ALREADY_FINISHED);
    CHECK_KIND(conv, "alreadyFailed");
    CHECK(step == NULL);
    cognito_signin_conversation_free(conv);
}

/* A misuse the core finds: a clock past the year 9999 where TIMESTAMP is due. The same
 * reply with a good clock then goes through. */
static void clock_out_of_range(void) {
    cognito_signin_conversation *conv = NULL;
    cognito_signin_step *step = NULL;
    const char *srp = "{\"flow\":\"USER_SRP_AUTH\",\"username\":\"alice\",\"password\":\"Secret-Pass-1\"}";
    CHECK_RC(cognito_signin_conversation_new(NULL, NULL, &conv), OK);
    CHECK_RC(cognito_signin_conversation_start(conv, U8(CONFIG), strlen(CONFIG), U8(srp),
                                               strlen(srp), NOW, &step),
             OK);
    cognito_signin_step_free(step);
    step = NULL;
    const char *verifier =
        "{\"status\":200,\"body\":\"{\\\"ChallengeName\\\":\\\"PASSWORD_VERIFIER\\\","
        "\\\"ChallengeParameters\\\":{\\\"SALT\\\":\\\"0a1b\\\",\\\"SRP_B\\\":\\\"02\\\","
        "\\\"SECRET_BLOCK\\\":\\\"c2VjcmV0\\\",\\\"USER_ID_FOR_SRP\\\":\\\"alice\\\","
        "\\\"USERNAME\\\":\\\"alice\\\"}}\"}";
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(verifier), strlen(verifier), UINT64_MAX,
                                                &step),
             COGNITO_SIGNIN_RESULT_MISUSE);
    CHECK_KIND(conv, "timeOutOfRange");
    CHECK(step == NULL);
    CHECK_RC(cognito_signin_conversation_handle(conv, U8(verifier), strlen(verifier), NOW, &step),
             OK);
    const uint8_t *json = NULL;
    size_t len = 0;
    CHECK_RC(cognito_signin_step_get_json(step, &json, &len), OK);
    CHECK(len > 0 && strstr((const char *)json, "PASSWORD_CLAIM_SIGNATURE") != NULL);
    cognito_signin_step_free(step);
    cognito_signin_conversation_free(conv);
}

int main(void) {
    version_and_messages();
    handles();
    clock_out_of_range();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("api: all checks passed\n");
    return 0;
}
