window.YTD.account.part0 = [
  {
    "account": {
      "email": "desk@example.org",
      "createdVia": "web",
      "username": "desk_reader",
      "accountId": "91000001",
      "createdAt": "2012-03-01T10:00:00.000Z",
      "accountDisplayName": "Desk Reader"
    }
  }
]