window.YTD.follower.part0 = [
  {
    "follower": {
      "accountId": "500",
      "userLink": "https://twitter.com/intent/user?user_id=500"
    }
  },
  {
    "follower": {
      "accountId": "501",
      "userLink": "https://twitter.com/intent/user?user_id=501"
    }
  },
  {
    "follower": {
      "accountId": "502",
      "userLink": "https://twitter.com/intent/user?user_id=502"
    }
  }
]